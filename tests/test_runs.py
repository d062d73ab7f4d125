"""`t2t_lite.runs` in-process: warm-starting, loading and finding checkpoints, and the one
error class for a checkpoint that is missing, damaged or of another model. The binaries'
side of the same rules is in tests/faults/test_checkpoint_faults.py."""

import glob
import pathlib

import numpy as np
import pytest
import tensorflow as tf

from t2t_lite import runs
from t2t_lite.hparams import get_hparams

TINY = "hidden_size=8,filter_size=16,num_heads=2,num_hidden_layers=1"


def tiny_model(vocab_size: int = 10):
    hparams = runs.with_problem_hparams(
        get_hparams("transformer_tiny", TINY), "demo", vocab_size, vocab_size, "transformer_tiny"
    )
    return runs.model_from_hparams(hparams)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A directory with ckpt-3 of a tiny model, and that model's weights by path."""
    directory = tmp_path_factory.mktemp("run")
    model = tiny_model()
    for variable in model.weights:  # values a fresh model would not have
        variable.assign(np.random.default_rng(0).normal(size=variable.shape))
    checkpoint = runs.make_checkpoint(model)
    tf.train.CheckpointManager(checkpoint, str(directory), max_to_keep=2).save(checkpoint_number=3)
    weights = {path: v.numpy() for path, v in runs.variables_by_path(model).items()}
    return directory, weights


def test_warm_start_from_a_directory_loads_every_weight(saved):
    directory, weights = saved
    model = tiny_model()
    assert runs.warm_start(model, str(directory)) == f"{directory}/ckpt-3"
    loaded = runs.variables_by_path(model)
    assert loaded.keys() == weights.keys() and len(weights) > 5
    for path, value in weights.items():
        np.testing.assert_array_equal(loaded[path].numpy(), value, err_msg=path)


def test_find_checkpoint_takes_a_prefix_or_a_directory(saved, tmp_path):
    directory, _ = saved
    assert runs.find_checkpoint(str(directory)) == f"{directory}/ckpt-3"
    assert runs.find_checkpoint(f"{directory}/ckpt-3") == f"{directory}/ckpt-3"
    assert runs.has_checkpoint(str(directory)) and not runs.has_checkpoint(str(tmp_path))
    with pytest.raises(runs.CheckpointError, match=f"no checkpoint in {tmp_path}"):
        runs.find_checkpoint(str(tmp_path))
    with pytest.raises(runs.CheckpointError, match=r"ckpt-9.index is missing"):
        runs.find_checkpoint(f"{directory}/ckpt-9")


def test_warm_start_errors_name_the_flag_and_are_run_dir_errors(saved, tmp_path):
    with pytest.raises(runs.CheckpointError) as raised:
        runs.warm_start(tiny_model(), str(tmp_path))
    assert f"--warm_start_from={tmp_path}" in str(raised.value)
    assert isinstance(raised.value, runs.RunDirError)


def test_a_damaged_data_file_is_named(saved, tmp_path):
    directory, _ = saved
    for path in glob.glob(f"{directory}/ckpt-3*"):
        target = tmp_path / pathlib.Path(path).name
        data = pathlib.Path(path).read_bytes()
        target.write_bytes(data[: len(data) // 5] if ".data-" in path else data)
    with pytest.raises(runs.CheckpointError) as raised:
        runs.load_weights(tiny_model(), f"{tmp_path}/ckpt-3", flag="--checkpoint_path")
    message = str(raised.value)
    assert f"{tmp_path}/ckpt-3.data-00000-of-00001 is missing or corrupt" in message
    assert "--checkpoint_path=<an earlier checkpoint>" in message


def test_a_checkpoint_of_another_model_does_not_load(saved):
    directory, _ = saved
    with pytest.raises(runs.CheckpointError, match="cannot load .* into this model"):
        runs.load_weights(tiny_model(vocab_size=11), f"{directory}/ckpt-3")
