"""Fetching raw files into `--tmp_dir` when they are missing, as T2T's datagen does."""

import os
import time
import urllib.error
import urllib.request

from absl import logging

from t2t_lite.errors import DataError
from t2t_lite.utils import file_system as fs

_CHUNK = 1 << 20
_PROGRESS_SECONDS = 5.0


def maybe_download(directory: str, filename: str, url: str) -> str:
    """Returns `directory/filename`, downloading it from `url` first if it is missing.

    The download goes to a temporary name and is renamed when complete.
    """
    path = os.path.join(directory, filename)
    if fs.exists(path):
        return path
    logging.info("downloading %s to %s", url, path)
    try:
        with (
            fs.atomic_output(path) as tmp_path,
            urllib.request.urlopen(url, timeout=60) as response,
            fs.GFile(tmp_path, "wb") as out,
        ):
            total = int(response.headers.get("Content-Length") or 0)
            done, last = 0, time.monotonic()
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                done += len(chunk)
                if time.monotonic() - last > _PROGRESS_SECONDS:
                    of_total = f" of {total / 1e6:.1f}" if total else ""
                    logging.info("%s: %.1f%s MB", filename, done / 1e6, of_total)
                    last = time.monotonic()
    except (urllib.error.URLError, OSError) as error:
        raise DataError(
            f"missing file {path} and could not download it from {url} ({error}); "
            f"put the file there by hand or check the network"
        ) from None
    return path
