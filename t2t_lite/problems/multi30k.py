"""Multi30k task 1, English -> German (Elliott et al., 2016: "Multi30K: Multilingual
English-German Image Descriptions"; non-commercial research and education use)."""

from t2t_lite.problems.download import maybe_download
from t2t_lite.problems.problem import DEV, TEST, TRAIN
from t2t_lite.problems.registry import register_problem
from t2t_lite.problems.text_files import read_parallel
from t2t_lite.problems.text_problem import Text2TextProblem

MULTI30K_URL = "https://github.com/multi30k/dataset/raw/master/data/task1/raw/"
# Our split name -> the file stem the dataset uses.
MULTI30K_FILES = {TRAIN: "train", DEV: "val", TEST: "test_2016_flickr"}


@register_problem
class TranslateEndeMulti30k(Text2TextProblem):
    """Multi30k En->De: train 29,000 pairs, dev (val) 1,014, test (test_2016_flickr) 1,000.

    Reads `<stem>.en.gz` / `<stem>.de.gz` from `tmp_dir`, downloading missing files from
    the dataset's public repository.
    """

    approx_vocab_size = 8000

    def text_pairs(self, split: str, tmp_dir: str) -> list[tuple[str, str]]:
        stem = MULTI30K_FILES[split]
        paths = [
            maybe_download(tmp_dir, f"{stem}.{lang}.gz", f"{MULTI30K_URL}{stem}.{lang}.gz")
            for lang in ("en", "de")
        ]
        return read_parallel(*paths)
