"""Checkpoint averaging (T2T's `t2t-avg-all`): the mean of each model weight over a run's
latest checkpoints, saved as a checkpoint of the same model."""

import os

import numpy as np
import tensorflow as tf
from absl import logging

from t2t_lite.hparams import HParams
from t2t_lite.models.checkpoint import make_checkpoint, variables_by_path
from t2t_lite.models.trained_model import (
    HPARAMS_FILE,
    CheckpointError,
    load_run_hparams,
    load_weights,
    model_from_hparams,
)


def latest_checkpoints(model_dir: str, n: int) -> list[str]:
    """The last `n` checkpoints `model_dir`'s checkpoint state lists, oldest first."""
    state = tf.train.get_checkpoint_state(model_dir)
    paths = list(state.all_model_checkpoint_paths) if state else []
    paths = [p if os.path.isabs(p) else os.path.join(model_dir, p) for p in paths]
    if not paths:
        raise CheckpointError(f"--model_dir={model_dir} holds no checkpoint")
    if len(paths) < n:
        logging.warning("only %d checkpoints in %s; averaging all of them", len(paths), model_dir)
    return paths[-n:]


def average_latest_checkpoints(model_dir: str, output_dir: str, n: int) -> tuple[str, list[str]]:
    """Averages the last `n` checkpoints of the run in `model_dir` into `output_dir`
    (also given a copy of `hparams.json`). Returns the new checkpoint's path and the
    averaged paths."""
    hparams = load_run_hparams(model_dir)
    paths = latest_checkpoints(model_dir, n)
    model = model_from_hparams(hparams)
    variables = variables_by_path(model)
    sums = {name: np.zeros(v.shape, np.float64) for name, v in variables.items()}
    for path in paths:
        load_weights(model, path)  # checks that every weight is there
        for name, variable in variables.items():
            sums[name] += variable.numpy()
    for name, variable in variables.items():
        variable.assign((sums[name] / len(paths)).astype(variable.dtype))  # Keras dtype: a name
    step = int(tf.train.load_checkpoint(paths[-1]).get_tensor(_step_key(paths[-1])))
    tf.io.gfile.makedirs(output_dir)
    checkpoint = make_checkpoint(model)
    checkpoint.step = tf.Variable(step, dtype=tf.int64)
    manager = tf.train.CheckpointManager(checkpoint, output_dir, max_to_keep=1, checkpoint_name="avg")
    path = manager.save(checkpoint_number=step)
    HParams.save(hparams, os.path.join(output_dir, HPARAMS_FILE))
    return path, paths


def _step_key(path: str) -> str:
    names = [name for name, _ in tf.train.list_variables(path) if name.startswith("step/")]
    if not names:
        raise CheckpointError(f"{path} has no step: not written by t2t-trainer")
    return names[0]
