"""Text files of one item per line, read and written so that line N of the output always
answers line N of the input."""

import os

import tensorflow as tf

from t2t_lite.errors import DataError


def read_lines(path: str, what: str = "") -> list[str]:
    """The lines of a UTF-8 file, split on `\\n` only (`\\r\\n` endings are accepted), so
    that other Unicode line separators inside a line never shift the alignment.

    `what` names the file in errors (e.g. `"--decode_from_file"`).
    """
    label = f"{what}={path}" if what else path
    if not tf.io.gfile.exists(path):
        raise DataError(f"{label}: no such file")
    with tf.io.gfile.GFile(path, "rb") as f:
        data = f.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise DataError(f"{label}: line {line} is not valid UTF-8 (byte {error.start})") from None
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def write_lines_atomically(path: str, lines: list[str]) -> None:
    """Writes one line per item to a temporary name beside `path`, then renames it over
    `path`; a line break inside an item becomes a space so the alignment holds."""
    directory = os.path.dirname(path)
    if directory:
        tf.io.gfile.makedirs(directory)
    tmp_path = os.path.join(directory, f".incomplete-{os.path.basename(path)}")
    with tf.io.gfile.GFile(tmp_path, "w") as f:
        for line in lines:
            f.write(line.replace("\r", " ").replace("\n", " ") + "\n")
    tf.io.gfile.rename(tmp_path, path, overwrite=True)
