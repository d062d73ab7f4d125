"""The layers and the Transformer on every Keras 3 backend: the TensorFlow backend saves
a model and its outputs; JAX and PyTorch, each in a fresh process where TensorFlow cannot
be imported, load it and must agree within 1e-5 (tests/backend_check.py)."""

import importlib.util
import os
import subprocess
import sys

import pytest

CHECK = os.path.join(os.path.dirname(__file__), "backend_check.py")


def run_python(args, backend):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env)


@pytest.fixture(scope="module")
def reference_dir(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp("backends")
    result = run_python([CHECK, str(work_dir)], "tensorflow")
    assert result.returncode == 0, result.stderr
    return work_dir


BACKENDS = [
    "jax",
    pytest.param(
        "torch",
        marks=pytest.mark.skipif(
            importlib.util.find_spec("torch") is None, reason="torch is not installed"
        ),
    ),
]


@pytest.mark.parametrize("backend", BACKENDS)
def test_same_outputs_as_tensorflow_without_tensorflow(reference_dir, backend):
    result = run_python([CHECK, str(reference_dir)], backend)
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.parametrize("module", ["t2t_lite.training", "t2t_lite.decoding", "t2t_lite.export"])
def test_tensorflow_only_parts_fail_clearly_on_another_backend(module):
    result = run_python(["-c", f"import {module}"], "jax")
    assert result.returncode != 0
    assert f"{module} runs on TensorFlow: set KERAS_BACKEND=tensorflow" in result.stderr


def test_tensorflow_only_helpers_fail_clearly_on_another_backend():
    script = (
        "for statement in ('from t2t_lite.models import padded_cross_entropy', 'from t2t_lite "
        "import runs'):\n"
        "    try:\n"
        "        exec(statement)\n"
        "    except ImportError as error:\n"
        "        print(error)\n"
    )
    result = run_python(["-c", script], "jax")
    assert "t2t_lite.models.padded_cross_entropy runs on TensorFlow" in result.stdout, result.stderr
    assert "t2t_lite.runs runs on TensorFlow" in result.stdout, result.stderr
