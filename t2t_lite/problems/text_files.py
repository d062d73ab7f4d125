"""Reading parallel text files (plain or gzipped, on any file system TensorFlow knows)
with errors that name file and line."""

import gzip
import zlib

from absl import logging

from t2t_lite.errors import DataError
from t2t_lite.utils import file_system as fs


def read_lines(path: str) -> list[str]:
    """The lines of a UTF-8 text file, `.gz` or plain, stripped of surrounding whitespace."""
    if not fs.exists(path):
        raise DataError(f"missing file {path}")
    lines = []
    try:
        with fs.GFile(path, "rb") as raw_file:
            f = gzip.GzipFile(fileobj=raw_file, mode="rb") if path.endswith(".gz") else raw_file
            for number, raw in enumerate(f, start=1):
                try:
                    lines.append(raw.decode("utf-8").strip())
                except UnicodeDecodeError as error:
                    raise DataError(f"{path}:{number}: not valid UTF-8 ({error.reason})") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise DataError(f"{path}: corrupt gzip file ({error})") from None
    return lines


def read_parallel(source_path: str, target_path: str) -> list[tuple[str, str]]:
    """Aligned `(source, target)` lines; pairs with an empty side are dropped and counted."""
    sources, targets = read_lines(source_path), read_lines(target_path)
    if len(sources) != len(targets):
        raise DataError(
            f"line counts differ: {source_path} has {len(sources)} lines, "
            f"{target_path} has {len(targets)}"
        )
    pairs = [(s, t) for s, t in zip(sources, targets, strict=True) if s and t]
    if len(pairs) < len(sources):
        logging.info(
            "%s: dropped %d pairs with an empty line", source_path, len(sources) - len(pairs)
        )
    return pairs
