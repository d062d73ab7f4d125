"""Writing a benchmark's results: whole files or nothing (temporary name, then rename)."""

import json
import os


def write_atomically(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def write_json(path: str, result) -> None:
    write_atomically(path, json.dumps(result, indent=2) + "\n")
