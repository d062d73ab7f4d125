"""T2T's text-to-class problems from a user's files: `label<TAB>text` lines per split.
The text gets a sentencepiece vocabulary built from the train texts, as translation's;
the class names (the train split's labels, sorted) are the targets' vocabulary."""

from collections.abc import Iterator

from t2t_lite.errors import DataError
from t2t_lite.ids import EOS_ID
from t2t_lite.problems.class_labels import ClassLabels, labels_path
from t2t_lite.problems.problem import TRAIN
from t2t_lite.problems.registry import register_problem
from t2t_lite.problems.text_files import read_lines
from t2t_lite.problems.text_problem import TextProblem, UserFilesMixin
from t2t_lite.utils import file_system as fs


def read_labeled_lines(path: str) -> list[tuple[str, str, int]]:
    """`(label, text, line number)` of each non-empty line of `path`; a line without a
    tab, or with an empty label or text, is a `DataError` naming the file and line."""
    examples = []
    for number, line in enumerate(read_lines(path), start=1):
        if not line:
            continue
        label, tab, text = line.partition("\t")
        label, text = label.strip(), text.strip()
        if not (tab and label and text):
            # Lines are read stripped: "\ttext" is "text", with no tab left.
            raise DataError(
                f"{path}:{number}: no tab or nothing before or after it; lines are label<TAB>text"
            )
        examples.append((label, text, number))
    if not examples:
        raise DataError(f"{path}: no label<TAB>text lines")
    return examples


@register_problem
class TextClassificationFiles(UserFilesMixin, TextProblem):
    """Text classification from the user's files (`t2t-datagen
    --problem=text_classification_files --train_text=F --dev_text=F`): `inputs` are the
    text's ids, `targets` its class.

    Args:
      corpus: split -> path of `label<TAB>text` lines (plain or `.gz`); needed to
        generate data, not to read it back. `train` is required.
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
        self._labeled: dict[str, list[tuple[str, str, int]]] = {}

    @property
    def feature_kinds(self) -> dict[str, str]:
        return {"inputs": "ids", "targets": "label"}

    def _labeled_lines(self, split: str) -> list[tuple[str, str, int]]:
        if split not in self._labeled:
            self._labeled[split] = read_labeled_lines(self._split_files(split))
        return self._labeled[split]

    def text_examples(self, split: str, tmp_dir: str) -> list[tuple[str, ...]]:
        # What the vocabulary is built from: the texts alone.
        return [(text,) for _, text, _ in self._labeled_lines(split)]

    def labels_path(self, data_dir: str) -> str:
        return labels_path(data_dir, self.dataset_name)

    def vocabulary_files(self, data_dir: str) -> list[str]:
        return [self.vocab_path(data_dir), self.labels_path(data_dir)]

    def vocabulary(self, data_dir: str) -> dict:
        text = super().vocabulary(data_dir)["inputs"]
        return {"inputs": text, "targets": ClassLabels.load(self.labels_path(data_dir))}

    def _labels(self) -> ClassLabels:
        names = sorted({label for label, _, _ in self._labeled_lines(TRAIN)})
        if len(names) < 2:
            raise DataError(
                f"{self._split_files(TRAIN)}: {len(names)} label(s) ({', '.join(names)}); a "
                "classifier needs at least 2"
            )
        return ClassLabels(names)

    def prepare_vocabulary(
        self, data_dir: str, tmp_dir: str, seed: int, overwrite: bool = False
    ) -> list[str]:
        labels = self._labels()  # refused before the vocabulary is trained
        written = super().prepare_vocabulary(data_dir, tmp_dir, seed, overwrite)
        staged = fs.temporary_path(self.labels_path(data_dir))
        with fs.GFile(staged, "wb") as f:
            f.write(labels.to_bytes())
        return written + [staged]

    def generate_ids(self, split: str, data_dir: str, tmp_dir: str, seed: int) -> Iterator:
        labels, path = self._labels(), self._split_files(split)
        ids = [ids for (ids,) in super().generate_ids(split, data_dir, tmp_dir, seed)]
        for (label, _, number), text_ids in zip(self._labeled_lines(split), ids, strict=True):
            yield text_ids, labels.id_of(label, f"{path}:{number}")

    def example_features(self, example: tuple) -> dict:
        ids, label = example
        return {"inputs": list(ids) + [EOS_ID], "targets": [int(label)]}
