"""The data beside the project (`../shared/data`): the Multi30k files. Where they are
missing a test that needs them skips, with the reason `pytest -rs` shows; under CI
(`CI` set) it fails instead, so a CI run can never pass by skipping them."""

import os
import pathlib
import shutil

import pytest

MULTI30K = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "multi30k"
MULTI30K_FILES = [
    f"{stem}.{lang}.gz" for stem in ("train", "val", "test_2016_flickr") for lang in ("en", "de")
]


def require_multi30k() -> pathlib.Path:
    """The shared Multi30k directory (read only: pass it as --tmp_dir)."""
    return _require(MULTI30K, MULTI30K_FILES, "Multi30k")


def multi30k_copy(directory: pathlib.Path) -> pathlib.Path:
    """A copy of the raw Multi30k files in `directory`, for tests that damage them."""
    source = require_multi30k()
    directory.mkdir(parents=True, exist_ok=True)
    for name in MULTI30K_FILES:
        shutil.copy(source / name, directory / name)
    return directory


T2T = MULTI30K.parent / "t2t"
T2T_FILES = [
    "transformer_test_ckpt/hparams.json",
    "transformer_test_ckpt/model.ckpt-1.index",
    "transformer_test_ckpt_golden.json",
    "transformer_test_ckpt_golden_logits.npz",
    "t2t_data_dir/vocab.translate_ende_wmt8k.8192.subwords",
    "transformer_relative_run/hparams.json",
    "transformer_relative_run/model.ckpt-700.index",
    "transformer_relative_run/golden.json",
]


def require_t2t() -> pathlib.Path:
    """The shared directory of what T2T wrote (read only): its test checkpoint, subword
    vocabularies, a data_dir and goldens."""
    return _require(T2T, T2T_FILES, "T2T")


def _require(directory: pathlib.Path, names: list[str], what: str) -> pathlib.Path:
    missing = [name for name in names if not (directory / name).exists()]
    if missing:
        message = f"{what} files not found in {directory}: {', '.join(missing)}"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI is set: shared data must be there)")
        pytest.skip(message)
    return directory
