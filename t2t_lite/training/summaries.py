"""A run's TensorBoard scalars (`<output_dir>/train`, `<output_dir>/eval`), written with
TensorFlow alone: only the chief writes; other workers get no-op writers."""

import os

import tensorflow as tf
from tensorflow.core.framework import summary_pb2

# tf.summary.scalar's implementation lives in the tensorboard package; writing with the
# scalars plugin's metadata needs TensorFlow alone.
_SCALAR_METADATA = summary_pb2.SummaryMetadata(
    plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars")
).SerializeToString()


class ScalarSummaries:
    """Scalars by subdirectory of `output_dir`, flushed after each write.

    Args:
      output_dir: the run's directory.
      write: whether this process writes (the chief) or not.
    """

    def __init__(self, output_dir: str, write: bool):
        self.output_dir = output_dir
        self.write = write
        self._writers = {}

    def _writer(self, name: str):
        if name not in self._writers:
            self._writers[name] = (
                tf.summary.create_file_writer(os.path.join(self.output_dir, name))
                if self.write
                else tf.summary.create_noop_writer()
            )
        return self._writers[name]

    def scalars(self, name: str, step: int, values: dict) -> None:
        """Writes each of `values` under its key at `step` into `<output_dir>/<name>`."""
        writer = self._writer(name)
        with writer.as_default(step=step):
            for key, value in values.items():
                tf.summary.write(key, tf.constant(value, tf.float32), metadata=_SCALAR_METADATA)
        writer.flush()

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()
