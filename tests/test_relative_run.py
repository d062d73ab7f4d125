"""A relative-attention run of one's own (`--hparams_set=transformer_relative_tiny`)
through the binaries: it trains, resumes, decodes greedily and with beams and averages,
as a plain run does (test_t2t_relative_import serves a relative export)."""

import numpy as np
import pytest
import tensorflow as tf
from test_relative_attention import full_recompute_greedy

from t2t_lite import runs

from binaries import run_binary
from decode_runs import REVERSE_HPARAMS, REVERSE_PROBLEM
from test_decoder_binary import decoder
from training_runs import generated_data, model_weights

# Trains and runs binaries in subprocesses: `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

# Distances past 4 share a table row: the dev split (up to 20 symbols) goes past it.
HPARAMS = REVERSE_HPARAMS + ",max_relative_position=4"
INPUTS = ["0 1 1 0 1", "1 1 1 0 0 0 1 0", "1 0 1 1 0 0 1 0 1 1 1 0 0 1"]


def train(data_dir, output_dir, steps: int):
    return run_binary(
        "t2t-trainer",
        f"--problem={REVERSE_PROBLEM}",
        "--hparams_set=transformer_relative_tiny",
        f"--hparams={HPARAMS}",
        f"--data_dir={data_dir}",
        f"--output_dir={output_dir}",
        f"--train_steps={steps}",
        "--local_eval_frequency=50",
        "--eval_steps=2",
        timeout=600,
    )


@pytest.fixture(scope="module")
def relative_run(tmp_path_factory):
    data_dir = generated_data(tmp_path_factory, seed=11, problem=REVERSE_PROBLEM)
    output_dir = tmp_path_factory.mktemp("relative_run") / "run"
    first = train(data_dir, output_dir, 100)
    assert first.returncode == 0, first.stderr
    second = train(data_dir, output_dir, 200)
    assert second.returncode == 0, second.stderr
    assert f"resumed from {output_dir}/ckpt-100 at step 100" in second.stderr
    losses = [
        float(line.split("loss ")[1].split(",")[0])
        for line in (first.stdout + second.stdout).splitlines()
        if line.startswith("eval at step")
    ]
    # Steps 50..200 of a model that learns fast: the eval loss falls, not always smoothly
    # (data order varies run to run), so the bound is loose.
    assert len(losses) == 4 and losses[-1] < 0.8 * losses[0], losses
    return str(data_dir), str(output_dir)


def test_run_records_relative_attention(relative_run):
    hparams = runs.load_run_hparams(relative_run[1])
    assert (hparams.hparams_set, hparams.pos, hparams.max_relative_position) == (
        "transformer_relative_tiny",
        "none",
        4,
    )


def decode_lines(run, tmp_path, decode_hparams: str) -> list[str]:
    source, target = tmp_path / "in.txt", tmp_path / "out.txt"
    source.write_text("".join(line + "\n" for line in INPUTS), encoding="utf-8")
    result = decoder(
        run,
        f"--decode_from_file={source}",
        f"--decode_to_file={target}",
        f"--decode_hparams={decode_hparams},batch_size=1",
    )
    assert result.returncode == 0, result.stderr
    return target.read_text(encoding="utf-8").split("\n")[:-1]


def test_greedy_decodes_are_the_full_recompute(relative_run, tmp_path):
    """t2t-decoder's cached greedy search against a loop that reruns the whole model on
    the prefix for every token (no cache, no search code)."""
    decoded = decode_lines(relative_run, tmp_path, "beam_size=1,extra_length=4")
    hparams = runs.load_run_hparams(relative_run[1])
    model = runs.load_trained_model(hparams, runs.find_checkpoint(relative_run[1]))
    symbols = {str(i - 2): i for i in range(2, 4)}  # ids 2 and 3 are "0" and "1"
    expected = []
    for line in INPUTS:
        inputs = np.array([[symbols[s] for s in line.split()] + [1]], np.int32)
        ids = full_recompute_greedy(model, inputs, inputs.shape[1] + 4)[0].tolist()
        ids = ids[: ids.index(1)] if 1 in ids else ids
        expected.append(" ".join(str(i - 2) for i in ids))
    assert decoded == expected


def test_an_averaged_run_decodes(relative_run, tmp_path):
    data_dir, run_dir = relative_run
    average = tmp_path / "avg"
    result = run_binary("t2t-avg-all", f"--model_dir={run_dir}", f"--output_dir={average}", "--n=2")
    assert result.returncode == 0, result.stderr
    last_two = tf.train.get_checkpoint_state(run_dir).all_model_checkpoint_paths[-2:]
    name = (
        "model/encoder.Slayer_0.Sself_attention.Srelative_key_embeddings/.ATTRIBUTES/VARIABLE_VALUE"
    )
    tables = [model_weights(path)[name] for path in last_two]
    np.testing.assert_allclose(
        model_weights(tf.train.latest_checkpoint(str(average)))[name],
        np.mean(tables, axis=0),
        rtol=1e-6,
        atol=1e-7,
    )
    # Serving a relative-attention export: test_t2t_relative_import, against T2T's decodes.
    beam = decode_lines((data_dir, str(average)), tmp_path, "beam_size=2,alpha=0.6,extra_length=4")
    assert len(beam) == len(INPUTS) and all(beam)
