"""Class labels: the "vocabulary" of a classification problem's targets, its class names
in id order, kept in the data_dir as `vocab.<problem>.labels` (one name per line)."""

import os

import tensorflow as tf

from t2t_lite.errors import DataError
from t2t_lite.problems.vocabulary import Vocabulary, VocabularyResources
from t2t_lite.utils import file_system as fs

LABELS_SUFFIX = "labels"


def labels_path(data_dir: str, dataset_name: str) -> str:
    """Where a problem's class names live in its data_dir."""
    return os.path.join(data_dir, f"vocab.{dataset_name}.{LABELS_SUFFIX}")


class ClassLabels(Vocabulary):
    """Class names <-> class ids `0 .. len(names) - 1` (no reserved ids: a label is
    never padding or EOS).

    Args:
      names: the class names, in id order; unique, non-empty, without newlines.
      path: the file they were read from (for messages).
    """

    def __init__(self, names: list[str], path: str | None = None):
        where = f"{path}: " if path else ""
        if len(names) < 2:
            raise DataError(f"{where}{len(names)} class(es); a classifier needs at least 2")
        for number, name in enumerate(names, start=1):
            if not name or "\n" in name or name != name.strip():
                raise DataError(f"{where}class {number} ({name!r}) is blank or padded")
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise DataError(f"{where}class names repeat: {', '.join(duplicates)}")
        self.names = list(names)
        self.path = path
        self.vocab_size = len(names)
        self._ids = {name: i for i, name in enumerate(names)}

    @classmethod
    def load(cls, path: str) -> "ClassLabels":
        if not fs.exists(path):
            raise DataError(f"no class labels {path}; run t2t-datagen for this problem first")
        return cls(fs.read_text(path).splitlines(), path)

    def resources(self) -> VocabularyResources:
        """The labels file, shipped in an export's assets: the order of its scores."""
        return VocabularyResources(files=(self.path,) if self.path else ())

    def to_bytes(self) -> bytes:
        return "".join(name + "\n" for name in self.names).encode("utf-8")

    def id_of(self, name: str, where: str) -> int:
        """The id of class `name`; an unknown one is a `DataError` naming `where`."""
        if name not in self._ids:
            raise DataError(
                f"{where}: unknown label {name!r} (the classes: {', '.join(self.names)})"
            )
        return self._ids[name]

    def _table(self) -> tf.lookup.StaticHashTable:
        # Made once, on first use: a graph that encodes must track the table it reads.
        if not hasattr(self, "_name_table"):
            self._name_table = tf.lookup.StaticHashTable(
                tf.lookup.KeyValueTensorInitializer(
                    tf.constant(self.names), tf.range(self.vocab_size, dtype=tf.int64)
                ),
                default_value=-1,
            )
        return self._name_table

    def tf_encode(self, texts: tf.Tensor) -> tf.RaggedTensor:
        """Class names -> `[batch, 1]` ids; an unknown name gets no id (an empty row)."""
        ids = self._table().lookup(tf.strings.strip(texts))[:, tf.newaxis]
        return tf.ragged.boolean_mask(ids, ids >= 0)

    def tf_decode(self, ids: tf.Tensor) -> tf.Tensor:
        """Class ids `[batch]` (or `[batch, 1]`) -> their names `[batch]`."""
        if isinstance(ids, tf.RaggedTensor):
            ids = ids.to_tensor()
        ids = tf.reshape(tf.cast(ids, tf.int64), [-1])
        return tf.gather(tf.constant(self.names), ids)
