"""T2T data_dirs as they are: a text-to-text problem t2t_lite does not register is read
from T2T's files (`<problem>-<split>-NNNNN-of-MMMMM`, `tf.train.Example`s with int64
`inputs` and `targets` ending in EOS) and its `vocab.<problem>.<size>.subwords`."""

import os

from absl import logging

from t2t_lite.errors import DataError
from t2t_lite.problems.registry import REVERSE_SUFFIX
from t2t_lite.problems.t2t_subwords import T2T_VOCAB_SUFFIX
from t2t_lite.problems.text_problem import Text2TextProblem


class T2TDataDirProblem(Text2TextProblem):
    """A T2T text-to-text problem known only by its files in a data_dir.

    Args:
      name: T2T's problem name (a `_rev` suffix swaps inputs and targets, as in T2T).
      vocab_path: its `vocab.<name>.<size>.subwords` (`t2t_vocabulary_path`), which
        gives the size; the data_dir it is in holds the data.
    """

    vocab_type = T2T_VOCAB_SUFFIX

    def __init__(self, name: str, vocab_path: str, was_reversed: bool = False):
        self._base_name = name
        super().__init__(was_reversed)
        self.name = name + (REVERSE_SUFFIX if was_reversed else "")
        self.approx_vocab_size = int(os.path.basename(vocab_path).split(".")[2])
        logging.info(
            "problem %s is not registered in t2t_lite: reading %s as a T2T text-to-text "
            "data_dir (%s)",
            self.name,
            os.path.dirname(vocab_path),
            os.path.basename(vocab_path),
        )

    @property
    def dataset_name(self) -> str:
        return self._base_name

    def text_pairs(self, split: str, tmp_dir: str) -> list[tuple[str, str]]:
        raise DataError(
            f"{self.name} is read from a T2T data_dir: t2t_lite cannot generate its data "
            "(generate it with T2T, or register a problem for it with --t2t_usr_dir)"
        )
