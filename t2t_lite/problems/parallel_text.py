"""A user's own parallel corpus, without writing code: plain-text (or `.gz`) source and
target files per split, one sentence per line."""

from t2t_lite.problems.registry import register_problem
from t2t_lite.problems.text_files import read_parallel
from t2t_lite.problems.text_problem import Text2TextProblem, UserFilesMixin


@register_problem
class TranslateParallelText(UserFilesMixin, Text2TextProblem):
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
        self._set_corpus(corpus, approx_vocab_size, "train source and target files")

    def text_pairs(self, split: str, tmp_dir: str) -> list[tuple[str, str]]:
        return read_parallel(*self._split_files(split))
