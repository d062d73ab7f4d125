"""A language model through the binaries, as a user runs them: t2t-datagen
--problem=languagemodel_text_files, t2t-trainer --model=transformer (the decoder alone),
t2t-decoder continuing prompts (greedy, sampled, interactive), t2t-exporter and a
TF + TF-Text-only process serving it; and the bad inputs."""

import json
import math
import pathlib
import re
import subprocess

import pytest
from test_exporter import OP_AUDIT_SCRIPT, run_python

from binaries import SCRIPTS, binary_env, run_binary
from decode_runs import LM_STEPS

pytestmark = pytest.mark.slow

PROMPTS = [
    "four",
    "",
    "seven eight",
    # 28 words, past max_length=24 ids: its last ids are kept.
    " ".join(["three four five six seven eight nine ten eleven"] * 3) + " zero one",
]


def decoder(lm_run, *flags, **kwargs):
    data_dir, output_dir = lm_run
    return run_binary(
        "t2t-decoder", f"--data_dir={data_dir}", f"--output_dir={output_dir}", *flags, **kwargs
    )


@pytest.fixture(scope="module")
def prompts_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("prompts") / "prompts.txt"
    path.write_text("\n".join(PROMPTS) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def greedy_lines(lm_run, prompts_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("greedy") / "out.txt"
    result = decoder(
        lm_run,
        f"--decode_from_file={prompts_file}",
        f"--decode_to_file={out}",
        "--decode_hparams=beam_size=1",
    )
    assert result.returncode == 0, result.stderr
    assert f"Wrote 4 continuations of {prompts_file}" in result.stdout
    return out.read_text(encoding="utf-8").split("\n")[:-1], result.stderr


def test_the_run_records_a_decoder_only_transformer_and_evaluates_perplexity(lm_run):
    data_dir, output_dir = lm_run
    hparams = json.loads((pathlib.Path(output_dir) / "hparams.json").read_text())
    assert hparams["model"] == "transformer" and hparams["has_inputs"] is False
    assert hparams["input_vocab_size"] == 0
    stdout = (pathlib.Path(output_dir).parent / "trainer.out").read_text()
    assert f"Trained to step {LM_STEPS}" in stdout
    found = re.search(r"neg_log_perplexity (-?[\d.]+), perplexity ([\d.]+)", stdout)
    assert found, stdout
    assert float(found.group(2)) == pytest.approx(math.exp(-float(found.group(1))), rel=1e-3)
    assert float(found.group(2)) < 3.0  # the next word is certain after the first


def test_prompts_are_continued_line_for_line_without_the_prompt(greedy_lines):
    lines, stderr = greedy_lines
    assert len(lines) == len(PROMPTS)
    assert lines[0].startswith("five six"), lines
    assert lines[1].split()[0] in ["zero", "one", "two", "three", "four", "five", "six"], lines
    assert lines[2].startswith("nine"), lines
    # The long prompt keeps its end ("... zero one"), so it goes on with "two".
    assert lines[3].startswith("two"), lines
    assert "input line 4 is longer than max_length=24 ids: its last ids are kept" in stderr


SAMPLING = "beam_size=1,sampling_method=random,sampling_seed=7,samples_per_input=3"


@pytest.fixture
def trained(lm_run):
    # Per test: the autouse seed fixture runs after module fixtures, and tf.random.set_seed
    # clears TensorFlow's kernel cache, which holds the sentencepiece tokenizer's resource.
    from t2t_lite import runs

    data_dir, output_dir = lm_run
    return runs.open_trained_run(output_dir, data_dir)


def test_sampling_with_a_seed_reproduces_and_writes_the_samples_tab_joined(
    lm_run, trained, prompts_file, tmp_path
):
    from t2t_lite import decoding

    out = tmp_path / "sampled.txt"
    result = decoder(
        lm_run,
        f"--decode_from_file={prompts_file}",
        f"--decode_to_file={out}",
        f"--decode_hparams={SAMPLING}",
    )
    assert result.returncode == 0, result.stderr
    lines = out.read_text(encoding="utf-8").split("\n")[:-1]
    assert len(lines) == len(PROMPTS) and all(line.count("\t") == 2 for line in lines)
    # The same seed in another process, with another batch size, draws the same.
    hparams = decoding.decode_hparams(SAMPLING + ",batch_size=1", trained.hparams)
    again = decoding.decode_lines(
        decoding.IdDecoder(trained.model, decoding.strategy_from_decode_hparams(hparams)),
        PROMPTS,
        trained.vocabulary,
        trained.model.decode_input,
        trained.hparams.max_length,
        hparams.batch_size,
    )
    assert again == lines


def test_interactive_decoding_continues_each_line(lm_run, greedy_lines):
    data_dir, output_dir = lm_run
    result = subprocess.run(
        [
            str(SCRIPTS / "t2t-decoder"),
            f"--data_dir={data_dir}",
            f"--output_dir={output_dir}",
            "--decode_interactive",
            "--decode_hparams=beam_size=1",
        ],
        input="four\nseven eight\n",
        capture_output=True,
        text=True,
        env=binary_env(),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines, _ = greedy_lines
    assert result.stdout.split("\n")[:2] == [lines[0], lines[2]]


def test_the_export_serves_continuations_from_tf_and_tf_text_alone(lm_run, greedy_lines, tmp_path):
    data_dir, output_dir = lm_run
    result = run_binary(
        "t2t-exporter",
        f"--data_dir={data_dir}",
        f"--output_dir={output_dir}",
        f"--export_dir={tmp_path}",
        "--decode_hparams=beam_size=1",
    )
    assert result.returncode == 0, result.stderr
    lines, _ = greedy_lines
    query = run_binary(
        "t2t-query-export",
        f"--export_dir={tmp_path}",
        "--inputs=four",
        "--inputs=",
        f"--expected={lines[0]}",
        f"--expected={lines[1]}",
    )
    assert query.returncode == 0, query.stdout + query.stderr
    audit = run_python(OP_AUDIT_SCRIPT, str(tmp_path / "1"))
    assert audit.returncode == 0, audit.stderr
    ops = json.loads(audit.stdout.strip().splitlines()[-1])
    assert sorted(set(ops["ops"]) - set(ops["core"]) - set(ops["text"])) == []


def test_a_sampling_export_answers_identical_requests_identically(trained, tmp_path):
    import tensorflow as tf

    from t2t_lite import decoding, export

    hparams = decoding.decode_hparams(
        "beam_size=1,sampling_method=random,sampling_temp=2.0,sampling_seed=5"
    )
    module = export.TextGenerationModule(
        trained.model,
        trained.vocabulary,
        trained.hparams.max_length,
        decoding.strategy_from_decode_hparams(hparams),
    )
    path = export.export_versioned(module, module.signatures(), str(tmp_path))
    serve = tf.saved_model.load(path).signatures["serving_default"]
    out = serve(inputs=tf.constant(["four", "two", "four"]))["outputs"].numpy()
    again = serve(inputs=tf.constant(["four"]))["outputs"].numpy()
    assert out[0] == out[2] == again[0]
    assert out[0] != out[1]


def test_translation_inputs_to_a_language_model_are_clear_errors(lm_run, tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("four\tfive\nsix\n", encoding="utf-8")
    out = tmp_path / "out.txt"
    result = decoder(lm_run, f"--decode_from_file={pairs}", f"--decode_to_file={out}")
    assert result.returncode == 1
    assert f"--decode_from_file={pairs}:1: a tab" in result.stderr
    result = decoder(lm_run, "--decode_hparams=beam_size=1")
    assert result.returncode == 1
    assert "holds a language model" in result.stderr and "--decode_from_file" in result.stderr
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("four\n", encoding="utf-8")
    result = decoder(
        lm_run,
        "--decode_hparams=sampling_temp=-1.0",
        f"--decode_from_file={prompts}",
        f"--decode_to_file={out}",
    )
    assert result.returncode == 1 and "sampling_temp=-1.0 must be >= 0" in result.stderr
    assert not out.exists()
