"""A user's own parallel corpus, without writing code: plain-text (or `.gz`) source and
target files per split, one sentence per line."""

from t2t_lite.errors import DataError
from t2t_lite.problems.problem import TRAIN
from t2t_lite.problems.registry import register_problem
from t2t_lite.problems.text_files import read_parallel
from t2t_lite.problems.text_problem import Text2TextProblem


@register_problem
class TranslateParallelText(Text2TextProblem):
    """Translation from the user's files.

    Args:
      corpus: split -> `(source_path, target_path)`; needed to generate data, not to read
        it back. `train` is required.
      approx_vocab_size: sentencepiece vocabulary size.
    """

    def __init__(
        self,
        was_reversed: bool = False,
        corpus: dict[str, tuple[str, str]] | None = None,
        approx_vocab_size: int = 8000,
    ):
        super().__init__(was_reversed)
        self.corpus = dict(corpus or {})
        self.approx_vocab_size = approx_vocab_size
        if self.corpus:
            if TRAIN not in self.corpus:
                raise DataError("translate_parallel_text needs train source and target files")
            self.num_shards = {split: (10 if split == TRAIN else 1) for split in self.corpus}

    @property
    def vocab_filename(self) -> str:
        # The size is the user's choice, not part of the problem, so readers find the file
        # without being told it.
        return f"vocab.{self.dataset_name}.{self.vocabulary_class.file_suffix}"

    def text_pairs(self, split: str, tmp_dir: str) -> list[tuple[str, str]]:
        if split not in self.corpus:
            raise DataError(f"translate_parallel_text: no files given for the {split} split")
        return read_parallel(*self.corpus[split])
