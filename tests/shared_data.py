"""Where the Multi30k files beside the project live (../shared/data/multi30k)."""

import pathlib
import shutil

import pytest

MULTI30K = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "multi30k"
MULTI30K_FILES = [f"{stem}.{lang}.gz" for stem in ("train", "val", "test_2016_flickr") for lang in ("en", "de")]


def multi30k_copy(directory: pathlib.Path) -> pathlib.Path:
    """Copies the raw Multi30k files into `directory` (tests never write beside the project)."""
    if not all((MULTI30K / name).exists() for name in MULTI30K_FILES):
        pytest.skip(f"Multi30k files not found in {MULTI30K}")
    directory.mkdir(parents=True, exist_ok=True)
    for name in MULTI30K_FILES:
        shutil.copy(MULTI30K / name, directory / name)
    return directory
