"""Text files of one item per line, read and written so that line N of the output always
answers line N of the input."""

from t2t_lite.errors import DataError
from t2t_lite.utils import file_system as fs


def read_lines(path: str, what: str = "") -> list[str]:
    """The lines of a UTF-8 file, split on `\\n` only (`\\r\\n` endings are accepted), so
    that other Unicode line separators inside a line never shift the alignment.

    `what` names the file in errors (e.g. `"--decode_from_file"`).
    """
    label = f"{what}={path}" if what else path
    if not fs.exists(path) or fs.isdir(path):
        raise DataError(f"{label}: no such file")
    data = fs.read_bytes(path)
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
    """Writes one line per item through a temporary name beside `path`; a line break
    inside an item becomes a space so the alignment holds."""
    fs.write_atomically(
        path, "".join(line.replace("\r", " ").replace("\n", " ") + "\n" for line in lines)
    )
