"""T2T data_dirs as they are: a text-to-text problem t2t_lite does not register is read
from T2T's files (`<problem>-<split>-NNNNN-of-MMMMM`, `tf.train.Example`s with int64
`inputs` and `targets` ending in EOS) and its `vocab.<problem>.<size>.subwords`."""

import os

from absl import logging

from t2t_lite.errors import DataError
from t2t_lite.problems.registry import REVERSE_SUFFIX
from t2t_lite.problems.t2t_subwords import T2T_VOCAB_SUFFIX, t2t_vocabulary_path
from t2t_lite.problems.text_problem import Text2TextProblem


class T2TDataDirProblem(Text2TextProblem):
    """A T2T text-to-text problem known only by its files in a data_dir.

    Args:
      name: T2T's problem name (a `_rev` suffix swaps inputs and targets, as in T2T).
      data_dir: where its vocabulary is (checked here).
    """

    vocab_type = T2T_VOCAB_SUFFIX

    def __init__(self, name: str, data_dir: str, was_reversed: bool = False):
        self._base_name = name
        super().__init__(was_reversed)
        self.name = name + (REVERSE_SUFFIX if was_reversed else "")
        path = t2t_vocabulary_path(data_dir, name)
        if path is None:
            raise DataError(f"{data_dir} has no T2T vocabulary vocab.{name}.<size>.subwords")
        self.approx_vocab_size = int(os.path.basename(path).split(".")[2])
        logging.info(
            "problem %s is not registered in t2t_lite: reading %s as a T2T text-to-text "
            "data_dir (%s)",
            self.name,
            data_dir,
            os.path.basename(path),
        )

    @property
    def dataset_name(self) -> str:
        return self._base_name

    def text_pairs(self, split: str, tmp_dir: str) -> list[tuple[str, str]]:
        raise DataError(
            f"{self.name} is read from a T2T data_dir: t2t_lite cannot generate its data "
            "(generate it with T2T, or register a problem for it with --t2t_usr_dir)"
        )
