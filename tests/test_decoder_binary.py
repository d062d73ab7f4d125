"""t2t-decoder, t2t-bleu and t2t-avg-all run as a user runs them."""

import glob
import os
import pathlib
import re
import subprocess

import numpy as np
import pytest
import tensorflow as tf

from binaries import SCRIPTS, binary_env, run_binary
from training_runs import directory_state, model_weights

# Runs binaries or trains models in subprocesses: `make test-fast` leaves it out.
pytestmark = pytest.mark.slow


def assert_fails(result, *fragments):
    assert result.returncode != 0, result.stdout + result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr


def decoder(run, *args, **kwargs):
    data_dir, output_dir = run
    return run_binary(
        "t2t-decoder", f"--data_dir={data_dir}", f"--output_dir={output_dir}", *args, **kwargs
    )


ALIGNMENT_LINES = [
    "the red house",
    "",
    "   ",
    "Grüße 東京 привет 🙂",
    " ".join(["the big dog runs"] * 20),  # far past max_length=16
    "señor café\u2028naïve",  # a Unicode line separator inside one line
    "a cat\r",  # a CRLF ending
    "",
]


def test_decoding_a_file_keeps_one_output_line_per_input_line(text_run, tmp_path):
    source = tmp_path / "input.txt"
    source.write_bytes("\n".join(ALIGNMENT_LINES).encode("utf-8") + b"\n")
    result = decoder(
        text_run, f"--decode_from_file={source}", "--decode_hparams=beam_size=2,extra_length=3"
    )
    assert result.returncode == 0, result.stderr
    output = tmp_path / "input.txt.transformer.translate_parallel_text.beam2.alpha0.6.decodes"
    assert str(output) in result.stdout
    lines = output.read_bytes().decode("utf-8").split("\n")
    assert lines[-1] == "" and len(lines) - 1 == len(ALIGNMENT_LINES)
    for given, produced in zip(ALIGNMENT_LINES, lines[:-1], strict=True):
        if not given.strip():
            assert produced == "", (given, produced)
    assert "input line 5 is longer than max_length=16" in result.stderr
    assert "decoding" in result.stderr and "8/8" in result.stderr  # progress


def test_return_beams_puts_every_beam_and_its_score_on_the_input_line_under_xla(text_run, tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("the dog\n\nthe cat sees\n", encoding="utf-8")
    target = tmp_path / "out.txt"
    result = decoder(
        text_run,
        f"--decode_from_file={source}",
        f"--decode_to_file={target}",
        "--decode_hparams=beam_size=3,return_beams=true,write_beam_scores=true,extra_length=2",
        "--xla",
    )
    assert result.returncode == 0, result.stderr
    lines = target.read_text(encoding="utf-8").split("\n")[:-1]
    assert len(lines) == 3 and lines[1] == ""
    for line in (lines[0], lines[2]):  # T2T's beam<TAB>score pairs, best first, %.2f
        fields = line.split("\t")
        assert len(fields) == 6
        scores = fields[1::2]
        assert all(re.fullmatch(r"-?\d+\.\d\d", score) for score in scores), line
        assert [float(s) for s in scores] == sorted((float(s) for s in scores), reverse=True)


def test_interactive_decoding_answers_each_stdin_line(reverse_run):
    data_dir, output_dir = reverse_run
    process = subprocess.run(
        [
            str(SCRIPTS / "t2t-decoder"),
            f"--data_dir={data_dir}",
            f"--output_dir={output_dir}",
            "--decode_interactive",
            "--decode_hparams=beam_size=1",
        ],
        input="0 1 1\n\n1 1 0 0 1\n",
        capture_output=True,
        text=True,
        env=binary_env(),
        timeout=300,
    )
    assert process.returncode == 0, process.stderr
    lines = process.stdout.split("\n")
    assert len(lines) == 4 and lines[1] == "" and lines[3] == ""
    assert lines[0] and set(lines[0].split()) <= {"0", "1"}


def test_dev_split_decoding_writes_decodes_inputs_and_targets(reverse_run, tmp_path):
    base = tmp_path / "dev_out"
    result = decoder(
        reverse_run, f"--decode_to_file={base}", "--decode_hparams=beam_size=2,num_samples=30"
    )
    assert result.returncode == 0, result.stderr
    assert "Decoded 30 dev examples" in result.stdout
    for path in (base, f"{base}.inputs", f"{base}.targets"):
        assert len(pathlib.Path(path).read_text(encoding="utf-8").split("\n")) == 31
    # The summary counts exact decodes; recount them from the files.
    outputs = pathlib.Path(base).read_text(encoding="utf-8").split("\n")
    targets = pathlib.Path(f"{base}.targets").read_text(encoding="utf-8").split("\n")
    exact = sum(o == t for o, t in zip(outputs[:30], targets[:30], strict=True))
    assert f": {exact} exact" in result.stdout


def test_a_run_of_another_problem_is_named(reverse_run):
    # Other bad decoder flags: tests/faults/test_bad_flags.py.
    before = directory_state(reverse_run[1])
    args = ["--problem=algorithmic_identity_binary40"]
    assert_fails(
        decoder(reverse_run, *args), "--problem=algorithmic_identity_binary40", "trained on"
    )
    assert directory_state(reverse_run[1]) == before


def test_a_line_the_vocabulary_cannot_encode_is_named(reverse_run, tmp_path):
    source = tmp_path / "bad.txt"
    source.write_text("0 1\n0 7 1\n", encoding="utf-8")
    assert_fails(decoder(reverse_run, f"--decode_from_file={source}"), "input line 2")
    assert not glob.glob(str(tmp_path / "bad.txt.*"))


def test_invalid_utf8_input_names_the_line(reverse_run, tmp_path):
    source = tmp_path / "bad.txt"
    source.write_bytes(b"0 1\n1 0\n\xff\xfe\n")
    assert_fails(
        decoder(reverse_run, f"--decode_from_file={source}"),
        f"--decode_from_file={source}",
        "line 3",
    )


# -- t2t-bleu -------------------------------------------------------------------------
HYPOTHESES = ["The cat sat on the mat .", "A dog runs in the Park", "ein Haus", "völlig anders"]
REFERENCES = [
    "The cat sat on a mat .",
    "a dog runs in the park",
    "ein kleines Haus",
    "völlig anders",
]


def sacrebleu_cli(reference, hypothesis, *extra):
    result = subprocess.run(
        [
            str(SCRIPTS / "sacrebleu"),
            str(reference),
            "-i",
            str(hypothesis),
            "-m",
            "bleu",
            "-b",
            "-w",
            "2",
            *extra,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout.strip())


def test_bleu_matches_the_sacrebleu_command_line(tmp_path):
    hyp, ref = tmp_path / "hyp.txt", tmp_path / "ref.txt"
    hyp.write_text("\n".join(HYPOTHESES) + "\n", encoding="utf-8")
    ref.write_text("\n".join(REFERENCES) + "\n", encoding="utf-8")
    result = run_binary("t2t-bleu", f"--translation={hyp}", f"--reference={ref}")
    assert result.returncode == 0, result.stderr
    scores = {
        line.split()[0]: float(line.split()[2])
        for line in result.stdout.splitlines()
        if line.startswith("BLEU_")
    }
    assert scores["BLEU_cased"] == sacrebleu_cli(ref, hyp)
    assert scores["BLEU_uncased"] == sacrebleu_cli(ref, hyp, "-lc")
    assert scores["BLEU_uncased"] > scores["BLEU_cased"]
    assert "nrefs:1|case:mixed" in result.stdout and "case:lc" in result.stdout


def test_bleu_with_mismatched_line_counts_gives_both_counts(tmp_path):
    hyp, ref = tmp_path / "hyp.txt", tmp_path / "ref.txt"
    hyp.write_text("a\nb\nc\n", encoding="utf-8")
    ref.write_text("a\nb\n", encoding="utf-8")
    assert_fails(
        run_binary("t2t-bleu", f"--translation={hyp}", f"--reference={ref}"), "has 3 lines", "has 2"
    )


# -- t2t-avg-all ----------------------------------------------------------------------
def test_averaged_checkpoint_is_the_mean_of_the_last_n(reverse_run, tmp_path):
    data_dir, run_dir = reverse_run
    out = tmp_path / "avg"
    result = run_binary("t2t-avg-all", f"--model_dir={run_dir}", f"--output_dir={out}", "--n=3")
    assert result.returncode == 0, result.stderr
    inputs = tf.train.get_checkpoint_state(run_dir).all_model_checkpoint_paths[-3:]
    assert "Averaged the weights of 3 checkpoints" in result.stdout
    averaged = model_weights(tf.train.latest_checkpoint(str(out)))
    originals = [model_weights(path) for path in inputs]
    assert set(averaged) == set(originals[0]) and len(averaged) > 10
    for name, value in averaged.items():
        np.testing.assert_allclose(
            value, np.mean([w[name] for w in originals], axis=0), rtol=1e-6, atol=1e-7
        )
    assert not np.allclose(originals[0][name], originals[-1][name]), "inputs should differ"
    # The decoder loads the average like any run.
    source = tmp_path / "in.txt"
    source.write_text("0 1 1\n", encoding="utf-8")
    decoded = decoder(
        (data_dir, str(out)), f"--decode_from_file={source}", "--decode_hparams=beam_size=1"
    )
    assert decoded.returncode == 0, decoded.stderr


def test_avg_all_errors(reverse_run, tmp_path):
    _, run_dir = reverse_run
    assert_fails(
        run_binary("t2t-avg-all", f"--model_dir={tmp_path}", f"--output_dir={tmp_path}/o"),
        "hparams.json",
    )
    assert_fails(
        run_binary("t2t-avg-all", f"--model_dir={run_dir}", f"--output_dir={run_dir}"),
        "--output_dir must differ",
    )
    assert not os.path.exists(tmp_path / "o")
