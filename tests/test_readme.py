"""The README's Keras examples must run as written."""

import importlib.util
import os
import pathlib
import re
import subprocess
import sys

import pytest

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_example_runs(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README has no python example"
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block.replace("/tmp/", f"{tmp_path}/"), "README.md", "exec"), {})


BACKEND_BLOCKS = re.findall(r"```python backend=(\w+)\n(.*?)```", README.read_text(), flags=re.S)


@pytest.mark.parametrize("backend,block", BACKEND_BLOCKS, ids=[b for b, _ in BACKEND_BLOCKS])
def test_readme_backend_examples_run_on_their_backend(backend, block, tmp_path):
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed")
    check = (
        "\nimport keras\nassert keras.backend.backend() == %r\n"
        "assert tuple(logits.shape) == (1, 4, 32)\n"
    )
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", block + check % backend],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_readme_has_an_example_per_backend():
    assert sorted(b for b, _ in BACKEND_BLOCKS) == ["jax", "tensorflow", "torch"]
