"""Checkpoint averaging (T2T's `t2t-avg-all`): the mean of each model weight over a run's
latest checkpoints, saved as a checkpoint of the same model. Those are the weights
inference uses: the moving averages where the run keeps them (`uses_moving_average`)."""

import numpy as np
import tensorflow as tf
from absl import logging

from t2t_lite.runs.checkpoints import (
    listed_checkpoints,
    load_weights,
    make_checkpoint,
    variables_by_path,
)
from t2t_lite.runs.errors import CheckpointError
from t2t_lite.runs.hparams_file import load_run_hparams, save_run_hparams
from t2t_lite.runs.trained_model import model_from_hparams, uses_moving_average
from t2t_lite.utils import file_system as fs


def latest_checkpoints(model_dir: str, n: int) -> list[str]:
    """The last `n` checkpoints `model_dir`'s checkpoint state lists, oldest first."""
    paths = listed_checkpoints(model_dir)
    if not paths:
        raise CheckpointError(f"--model_dir={model_dir} holds no checkpoint")
    if len(paths) < n:
        logging.warning("only %d checkpoints in %s; averaging all of them", len(paths), model_dir)
    return paths[-n:]


def average_latest_checkpoints(
    model_dir: str, output_dir: str, n: int
) -> tuple[str, list[str], str]:
    """Averages the inference weights of the last `n` checkpoints of the run in
    `model_dir` into `output_dir` (also given a copy of `hparams.json`). Returns the new
    checkpoint's path, the averaged paths and what was averaged: "weights" or "moving
    averages of the weights"."""
    hparams = load_run_hparams(model_dir)
    paths = latest_checkpoints(model_dir, n)
    model = model_from_hparams(hparams)
    variables = variables_by_path(model)
    sums = {name: np.zeros(v.shape, np.float64) for name, v in variables.items()}
    moving_average = [uses_moving_average(hparams, path) for path in paths]
    if any(moving_average) and not all(moving_average):
        raise CheckpointError(
            f"--model_dir={model_dir}: some of {', '.join(paths)} hold moving averages of the "
            "weights and some do not; pass --n to average only the newer ones"
        )
    averaged = "moving averages of the weights" if all(moving_average) else "weights"
    logging.info("averaging the %s of %d checkpoints", averaged, len(paths))
    for path, ema in zip(paths, moving_average, strict=True):
        load_weights(model, path, moving_average=ema)  # checks that every weight is there
        for name, variable in variables.items():
            sums[name] += variable.numpy()
    for name, variable in variables.items():
        variable.assign((sums[name] / len(paths)).astype(variable.dtype))  # Keras dtype: a name
    step = _read_step(paths[-1])
    fs.makedirs(output_dir)
    checkpoint = make_checkpoint(model)
    checkpoint.step = step
    manager = tf.train.CheckpointManager(
        checkpoint, output_dir, max_to_keep=1, checkpoint_name="avg"
    )
    path = manager.save(checkpoint_number=int(step.numpy()))
    save_run_hparams(output_dir, hparams)
    return path, paths, averaged


def _read_step(path: str) -> tf.Variable:
    """The global step saved in the checkpoint `path`."""
    step = tf.Variable(0, dtype=tf.int64)
    try:
        tf.train.Checkpoint(step=step).read(path).assert_existing_objects_matched().expect_partial()
    except AssertionError:
        raise CheckpointError(f"{path} has no step: not written by t2t-trainer") from None
    return step
