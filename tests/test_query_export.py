"""t2t-query-export: the answers of an export's serving_default, checked against
--expected, from a process that never imports t2t_lite."""

import pytest
import tensorflow as tf
import tensorflow_text  # noqa: F401  (the tokenizer ops)

from binaries import run_binary
from test_decoder_binary import assert_fails

# Runs binaries or trains models in subprocesses: `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

INPUTS = ["1 0 1 1", "0 0 1"]


@pytest.fixture
def export_dir(reverse_exports):
    return reverse_exports  # versions 1 and 2: the query takes the highest


def served_here(path):
    outputs = tf.saved_model.load(str(path)).signatures["serving_default"](
        inputs=tf.constant(INPUTS)
    )["outputs"]
    return [text.decode("utf-8") for text in outputs.numpy()]


def test_prints_each_answer_and_accepts_the_right_ones(export_dir):
    answers = served_here(export_dir / "2")
    args = [f"--export_dir={export_dir}", *(f"--inputs={text}" for text in INPUTS)]
    result = run_binary("t2t-query-export", *args, *(f"--expected={answer}" for answer in answers))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"Served by {export_dir}/2: {text!r} -> {answer!r} (expected {answer!r})"
        for text, answer in zip(INPUTS, answers, strict=True)
    ]
    one_version = run_binary(
        "t2t-query-export", f"--export_dir={export_dir}/1", f"--inputs={INPUTS[0]}"
    )
    assert (
        one_version.stdout.strip()
        == f"Served by {export_dir}/1: {INPUTS[0]!r} -> {served_here(export_dir / '1')[0]!r}"
    )


def test_a_wrong_answer_exits_non_zero_with_the_line(export_dir):
    answer = served_here(export_dir / "2")[0]
    result = run_binary(
        "t2t-query-export",
        f"--export_dir={export_dir}",
        f"--inputs={INPUTS[0]}",
        "--expected=9 9 9",
    )
    assert_fails(result, "1 of 1 answers differ from --expected")
    assert f"-> {answer!r} (expected '9 9 9')" in result.stdout


def test_bad_flags_are_named(export_dir, tmp_path):
    assert_fails(
        run_binary("t2t-query-export", f"--export_dir={tmp_path}", "--inputs=1"),
        f"--export_dir={tmp_path}",
    )
    assert_fails(
        run_binary("t2t-query-export", f"--export_dir={export_dir}"), "--inputs is required"
    )
    assert_fails(
        run_binary(
            "t2t-query-export",
            f"--export_dir={export_dir}",
            "--inputs=1",
            "--inputs=0",
            "--expected=1",
        ),
        "2 --inputs but 1 --expected",
    )
