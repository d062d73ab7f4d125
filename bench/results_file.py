"""Writing a benchmark's results: whole files or nothing (temporary name, then rename)."""

import json
import os


def write_atomically(path: str, data: str | bytes) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    binary = isinstance(data, bytes)
    with open(path + ".tmp", "wb" if binary else "w", encoding=None if binary else "utf-8") as f:
        f.write(data)
    os.replace(path + ".tmp", path)


def write_json(path: str, result) -> None:
    write_atomically(path, json.dumps(result, indent=2) + "\n")
