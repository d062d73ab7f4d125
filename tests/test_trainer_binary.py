"""t2t-trainer run as a user runs it: training, checkpoints, resuming, summaries, errors."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from t2t_lite.problems import get_problem

from training_runs import (
    PROBLEM,
    TINY_HPARAMS,
    checkpoint_step,
    directory_state,
    event_tags,
    model_weights,
    run_trainer,
)

# Runs binaries or trains models in subprocesses: `make test-fast` leaves it out.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("data")
    get_problem(PROBLEM).generate_data(str(directory), str(directory), seed=7)
    return directory


@pytest.fixture(scope="module")
def trained(data_dir, tmp_path_factory):
    """One run of 6 steps with a checkpoint and evaluation every 3."""
    output_dir = tmp_path_factory.mktemp("run")
    result = run_trainer(data_dir, output_dir, "--train_steps=6", "--local_eval_frequency=3")
    assert result.returncode == 0, result.stderr
    return output_dir, result


def assert_fails(result, *fragments):
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_trains_writes_checkpoints_run_files_and_summaries(trained):
    output_dir, result = trained
    assert tf.train.latest_checkpoint(str(output_dir)).endswith("ckpt-6")
    assert checkpoint_step(str(output_dir / "ckpt-3")) == 3
    assert checkpoint_step(str(output_dir / "ckpt-6")) == 6
    hparams = json.loads((output_dir / "hparams.json").read_text())
    assert hparams["hidden_size"] == 32 and hparams["problem"] == PROBLEM
    assert hparams["input_vocab_size"] == 4 and hparams["target_vocab_size"] == 4
    assert hparams["hparams_set"] == "transformer_tiny" and hparams["hparams_format_version"] == 2
    assert "--train_steps=6" in (output_dir / "flags.txt").read_text()
    train = event_tags(output_dir / "train")
    assert [step for step, _ in train["loss"]] == [1, 2, 3, 4, 5, 6]
    assert all(np.isfinite(value) and value > 0 for _, value in train["loss"])
    assert train["learning_rate"][0][1] == 0.0  # linear warmup starts at 0, as in T2T
    assert {"tokens_per_second"} <= set(train)
    evaluation = event_tags(output_dir / "eval")
    for tag in ("loss", "accuracy", "accuracy_per_sequence", "neg_log_perplexity"):
        assert [step for step, _ in evaluation[tag]] == [3, 6], tag
    assert "eval at step 6" in result.stdout
    assert "step 6/6: loss" in result.stderr and "tokens/s" in result.stderr


def test_restart_resumes_from_latest_checkpoint(trained, data_dir, tmp_path):
    output_dir, _ = trained
    resumed = tmp_path / "resumed"
    os.system(f"cp -r {output_dir} {resumed}")
    result = run_trainer(
        data_dir, resumed, "--train_steps=8", "--local_eval_frequency=3", "--schedule=train"
    )
    assert result.returncode == 0, result.stderr
    assert "resumed from" in result.stderr and "ckpt-6 at step 6" in result.stderr
    assert "step 7/8" in result.stderr and "step 1/8" not in result.stderr
    assert checkpoint_step(tf.train.latest_checkpoint(str(resumed))) == 8
    # Resuming keeps the optimizer slots: step 7 started from step 6's Adam moments.
    slots = [
        name for name, _ in tf.train.list_variables(str(resumed / "ckpt-8")) if "optimizer" in name
    ]
    assert len(slots) > 4


def test_resume_with_other_hparams_names_them_and_changes_nothing(trained, data_dir):
    output_dir, _ = trained
    before = directory_state(output_dir)
    result = run_trainer(
        data_dir,
        output_dir,
        "--train_steps=9",
        hparams=TINY_HPARAMS.replace("hidden_size=32", "hidden_size=48"),
    )
    assert_fails(result, "hidden_size: saved 32, given 48")
    assert directory_state(output_dir) == before


def test_evaluate_schedule_prints_metrics_of_latest_checkpoint(trained, data_dir):
    output_dir, _ = trained
    result = run_trainer(data_dir, output_dir, "--schedule=evaluate", "--train_steps=6")
    assert result.returncode == 0, result.stderr
    assert "eval at step 6" in result.stdout and "accuracy_per_sequence" in result.stdout


def test_warm_start_copies_the_weights(trained, data_dir, tmp_path):
    source, _ = trained
    # One step at learning rate 0 (warmup starts at 0) leaves the warm-started weights as they are.
    result = run_trainer(
        data_dir,
        tmp_path / "warm",
        "--train_steps=1",
        "--schedule=train",
        f"--warm_start_from={source}",
    )
    assert result.returncode == 0, result.stderr
    warm = model_weights(str(tmp_path / "warm" / "ckpt-1"))
    original = model_weights(str(source / "ckpt-6"))
    assert warm.keys() == original.keys() and len(warm) > 5
    for name in warm:
        np.testing.assert_array_equal(warm[name], original[name], err_msg=name)
    assert checkpoint_step(str(tmp_path / "warm" / "ckpt-1")) == 1  # the optimizer starts fresh


def test_missing_data_without_generate_data(tmp_path):
    result = run_trainer(tmp_path / "empty", tmp_path / "out", "--train_steps=1")
    assert_fails(result, "--data_dir", "t2t-datagen", "--generate_data")
    assert not (tmp_path / "out").exists()


def test_generate_data_then_trains(tmp_path):
    result = run_trainer(
        tmp_path / "data",
        tmp_path / "out",
        "--train_steps=1",
        "--generate_data",
        f"--tmp_dir={tmp_path}",
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / f"{PROBLEM}-train-00000-of-00002").exists()


def test_output_dir_with_a_foreign_checkpoint(data_dir, tmp_path):
    output_dir = tmp_path / "foreign"
    checkpoint = tf.train.Checkpoint(weights=tf.Variable(np.ones((3, 3), np.float32)))
    tf.train.CheckpointManager(checkpoint, str(output_dir), max_to_keep=1).save()
    before = directory_state(output_dir)
    result = run_trainer(data_dir, output_dir, "--train_steps=1")
    assert_fails(result, "no hparams.json")
    assert directory_state(output_dir) == before


def test_checkpoint_of_another_model_with_matching_hparams_file(trained, data_dir, tmp_path):
    # hparams.json copied from a real run, beside a checkpoint that is not of this model.
    source, _ = trained
    output_dir = tmp_path / "mixed"
    output_dir.mkdir()
    (output_dir / "hparams.json").write_text((source / "hparams.json").read_text())
    checkpoint = tf.train.Checkpoint(
        model=tf.train.Checkpoint(weights=tf.Variable(np.ones(3, np.float32)))
    )
    tf.train.CheckpointManager(checkpoint, str(output_dir), max_to_keep=1).save()
    before = directory_state(output_dir)
    result = run_trainer(data_dir, output_dir, "--train_steps=1")
    assert_fails(result, "cannot resume from", "not a checkpoint of this model")
    assert directory_state(output_dir) == before


def test_tpu_without_a_tpu_fails_fast(data_dir, tmp_path):
    result = run_trainer(
        data_dir, tmp_path / "out", "--distribution_strategy=tpu", "--schedule=train"
    )
    assert_fails(result, "--tpu")
    result = run_trainer(
        data_dir, tmp_path / "out", "--distribution_strategy=tpu", "--tpu=local", "--schedule=train"
    )
    assert_fails(result, "no TPU reachable as --tpu=local")
    assert not (tmp_path / "out").exists()


def test_multi_worker_without_tf_config(data_dir, tmp_path):
    result = run_trainer(
        data_dir,
        tmp_path / "out",
        "--distribution_strategy=multi_worker_mirrored",
        env={"TF_CONFIG": ""},
    )
    assert_fails(result, "TF_CONFIG")
