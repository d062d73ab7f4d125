"""Language-model problems: a user's own text files, and one side of Multi30k."""

from absl import logging

from t2t_lite.errors import DataError
from t2t_lite.problems.download import maybe_download
from t2t_lite.problems.multi30k import MULTI30K_FILES, MULTI30K_URL
from t2t_lite.problems.problem import TRAIN
from t2t_lite.problems.registry import register_problem
from t2t_lite.problems.text_files import read_lines
from t2t_lite.problems.text_problem import LanguageModelProblem, UserFilesMixin


def _non_empty(path: str) -> list[str]:
    lines = read_lines(path)
    kept = [line for line in lines if line]
    if len(kept) < len(lines):
        logging.info("%s: skipped %d empty lines", path, len(lines) - len(kept))
    if not kept:
        raise DataError(f"{path}: no text (every line is empty)")
    return kept


@register_problem
class LanguagemodelTextFiles(UserFilesMixin, LanguageModelProblem):
    """A language model on the user's text: one example per line, plain or `.gz`
    (`t2t-datagen --problem=languagemodel_text_files --train_text=F --dev_text=F`).

    Args:
      corpus: split -> path; needed to generate data, not to read it back. `train` is
        required.
      approx_vocab_size: sentencepiece vocabulary size.
    """

    def __init__(
        self,
        was_reversed: bool = False,
        corpus: dict[str, str] | None = None,
        approx_vocab_size: int = 8000,
    ):
        super().__init__(was_reversed)
        self._set_corpus(corpus, approx_vocab_size, "--train_text")

    def text_lines(self, split: str, tmp_dir: str) -> list[str]:
        return _non_empty(self._split_files(split))


@register_problem
class LanguagemodelMulti30kEn(LanguageModelProblem):
    """The English side of Multi30k as a language model (Elliott et al., 2016;
    non-commercial research and education use): train 29,000 captions, dev (val) 1,014,
    test (test_2016_flickr) 1,000, read from `<stem>.en.gz` in `tmp_dir` (downloaded when
    missing). A 4,000-id vocabulary: the text is one language."""

    approx_vocab_size = 4000
    num_shards = {TRAIN: 10, "dev": 1, "test": 1}

    def text_lines(self, split: str, tmp_dir: str) -> list[str]:
        stem = MULTI30K_FILES[split]
        return _non_empty(maybe_download(tmp_dir, f"{stem}.en.gz", f"{MULTI30K_URL}{stem}.en.gz"))
