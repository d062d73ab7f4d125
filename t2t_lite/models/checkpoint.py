"""Checkpoints keyed by Keras variable paths below the model (`"encoder/layer_0/..."`).

`tf.train.Checkpoint` finds variables by following tracked attributes, and Keras 3 keeps
lists of layers in its own containers that TensorFlow does not follow: a checkpoint of
the model object would miss every layer of the encoder and decoder stacks. Keying by
path names each variable explicitly and does not depend on how layers are nested.
"""

import tensorflow as tf

from t2t_lite.utils import file_system as fs

# What restoring a checkpoint raises when it cannot be read or is not of the model: a
# mismatch fails Checkpoint's assertions (AssertionError, ValueError); a data file cut
# short makes TensorFlow's reader raise IndexError; the rest are tf.errors.OpError.
# `damaged_checkpoint_file` tells the two kinds apart.
RESTORE_ERRORS = (AssertionError, ValueError, IndexError, tf.errors.OpError)


def variables_by_path(model) -> dict:
    """`{path: variable}` for the model's weights, each path without the model's own
    name (Keras makes that `transformer_1` for a second model in one process)."""
    mapping = {}
    prefix = f"{model.name}/"
    for variable in model.weights:
        path = variable.path.removeprefix(prefix)
        other = mapping.setdefault(path, variable)
        if other is not variable:
            raise ValueError(f"two variables share the path {path!r}")
    return mapping


def make_checkpoint(model, optimizer=None) -> tf.train.Checkpoint:
    """A checkpoint of the model's weights (`model/<path>`) and, if given, the
    optimizer's step (`step`) and variables in their order (`optimizer/<index>`; the
    optimizer names its slots after the model's name, so those names are not stable)."""
    items = {"model": variables_by_path(model)}
    if optimizer is not None:
        items["step"] = optimizer.iterations
        items["optimizer"] = {str(i): variable for i, variable in enumerate(optimizer.variables)}
    return tf.train.Checkpoint(**items)


def restore_model_weights(model, path: str) -> None:
    """Loads the model's weights from a checkpoint written with `make_checkpoint`
    (optimizer variables in the file are ignored). Raises `AssertionError` or
    `ValueError` if the file does not hold every weight of `model` with its shape."""
    make_checkpoint(model).read(path).assert_existing_objects_matched().expect_partial()


def damaged_checkpoint_file(path: str, error: Exception) -> str | None:
    """For an `error` met while restoring `path`: the file at fault if the checkpoint
    cannot be read (its index, else its data), or None if it reads but does not fit."""
    # IndexError: TensorFlow's reader raises it for a data file cut short.
    unreadable = isinstance(
        error, (tf.errors.DataLossError, tf.errors.NotFoundError, tf.errors.OutOfRangeError, IndexError)
    )
    try:
        tf.train.list_variables(path)
    except (tf.errors.OpError, ValueError):
        return f"{path}.index"
    if not unreadable:
        return None
    shards = sorted(fs.glob(f"{path}.data-*"))
    return " or ".join(shards) if shards else f"{path}.data-00000-of-00001"
