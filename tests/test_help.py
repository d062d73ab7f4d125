"""`--help` of every binary shows its purpose and its own flags with their help text,
without loading TensorFlow (what made it slow)."""

import ast
import pathlib
import subprocess
import sys

import pytest

from binaries import binary_env, run_binary

BIN = pathlib.Path(__file__).resolve().parents[1] / "bin"
BINARIES = [
    "t2t-datagen",
    "t2t-trainer",
    "t2t-decoder",
    "t2t-exporter",
    "t2t-bleu",
    "t2t-avg-all",
    "t2t-query-export",
    "t2t-import",
]


def defined_flags(binary: str) -> dict[str, str]:
    """`{flag name: help text}` of the DEFINE_* calls in the binary's source (read
    independently of absl's registry)."""
    tree = ast.parse((BIN / (binary.replace("-", "_") + ".py")).read_text(encoding="utf-8"))
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "").startswith("DEFINE_"):
            args = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if node.func.attr == "DEFINE_enum":
                name, text = args[0], args[-1]
            elif isinstance(node.args[0], ast.JoinedStr):
                continue  # one loop defines the per-split flags; checked by name below
            else:
                name, text = args[0], args[2]
            found[name] = text
    return found


@pytest.mark.parametrize("binary", BINARIES)
def test_help_lists_the_binarys_own_flags_with_their_help(binary):
    result = run_binary(binary, "--help")
    flags = defined_flags(binary)
    assert flags
    for name, text in flags.items():
        assert f"--{name}" in result.stdout or f"--[no]{name}" in result.stdout, (
            name,
            result.stdout,
        )
        assert " ".join(text.split()[:4]) in " ".join(result.stdout.split()), (name, text)
    assert result.stdout.startswith(binary + ":"), result.stdout[:200]  # the module's docstring
    assert "--helpfull" in result.stdout
    assert "--log_dir" not in result.stdout  # absl's own flags stay behind --helpfull


def test_datagen_help_lists_the_per_split_corpus_flags():
    result = run_binary("t2t-datagen", "--help")
    for split in ("train", "dev", "test"):
        assert f"--{split}_source" in result.stdout and f"--{split}_target" in result.stdout


@pytest.mark.parametrize("binary", BINARIES)
def test_help_does_not_load_tensorflow(binary):
    module = binary.replace("-", "_")
    probe = (
        "import sys\n"
        f"sys.argv = [{binary!r}, '--help']\n"
        f"from t2t_lite_bin import {module}\n"
        "try:\n"
        f"    {module}.run()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('TF LOADED' if 'tensorflow' in sys.modules else 'TF NOT LOADED', file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=binary_env(), timeout=60
    )
    assert "TF NOT LOADED" in result.stderr, result.stderr
