"""A run's checkpoints: how they are keyed, found, read, and what makes one unreadable.

Checkpoints are keyed by Keras variable paths below the model (`"encoder/layer_0/..."`).
`tf.train.Checkpoint` finds variables by following tracked attributes, and Keras 3 keeps
lists of layers in its own containers that TensorFlow does not follow: a checkpoint of
the model object would miss every layer of the encoder and decoder stacks. Keying by
path names each variable explicitly and does not depend on how layers are nested.
"""

import os
from collections.abc import Callable

import tensorflow as tf

from t2t_lite.errors import first_line
from t2t_lite.runs.errors import CheckpointError
from t2t_lite.utils import file_system as fs

# What restoring a checkpoint raises when it cannot be read or is not of the model: a
# mismatch fails Checkpoint's assertions (AssertionError, ValueError); a data file cut
# short makes TensorFlow's reader raise IndexError; the rest are tf.errors.OpError.
# `damaged_checkpoint_file` tells the two kinds apart.
RESTORE_ERRORS = (AssertionError, ValueError, IndexError, tf.errors.OpError)
# Of those, the ones that mean the files themselves cannot be read.
_UNREADABLE_ERRORS = (
    tf.errors.DataLossError,
    tf.errors.NotFoundError,
    tf.errors.OutOfRangeError,
    IndexError,
)


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


def trainable_variables_by_path(model) -> dict:
    """`variables_by_path` of the model's trainable weights (those moving averages keep)."""
    trainable = {id(v) for v in model.trainable_variables}
    return {p: v for p, v in variables_by_path(model).items() if id(v) in trainable}


def make_checkpoint(
    model, optimizer_variables=None, step=None, moving_average=None
) -> tf.train.Checkpoint:
    """A checkpoint of the model's weights (`model/<path>`); if given, the global step
    (`step`, a variable), the optimizer's state in its order (`optimizer/<index>`; the
    optimizer names its slots after the model's name, so those names are not stable)
    and the moving averages of the weights (`ema/<path>`, a `{path: variable}` dict)."""
    items = {"model": variables_by_path(model)}
    if step is not None:
        items["step"] = step
    if optimizer_variables is not None:
        items["optimizer"] = {str(i): variable for i, variable in enumerate(optimizer_variables)}
    if moving_average is not None:
        items["ema"] = dict(moving_average)
    return tf.train.Checkpoint(**items)


def has_moving_average(path: str) -> bool:
    """Whether the checkpoint `path` holds moving averages of the weights (`ema/`); False
    if it cannot be read (loading it then names the file)."""
    try:
        names = [name for name, _ in tf.train.list_variables(path)]
    except (tf.errors.OpError, ValueError):
        return False
    return any(name.startswith("ema/") for name in names)


def restore_model_weights(model, path: str, moving_average: bool = False) -> None:
    """Loads the model's weights from a checkpoint written with `make_checkpoint`
    (optimizer variables in the file are ignored); with `moving_average`, the trainable
    weights from their averages (`ema/`). Raises `AssertionError` or `ValueError` if the
    file does not hold every weight of `model` with its shape."""
    make_checkpoint(model).read(path).assert_existing_objects_matched().expect_partial()
    if moving_average:
        trainable = {id(v) for v in model.trainable_variables}
        averaged = {p: v for p, v in variables_by_path(model).items() if id(v) in trainable}
        tf.train.Checkpoint(ema=averaged).read(
            path
        ).assert_existing_objects_matched().expect_partial()


def damaged_checkpoint_file(path: str, error: Exception) -> str | None:
    """For an `error` met while restoring `path`: the file at fault if the checkpoint
    cannot be read (its index, else its data), or None if it reads but does not fit."""
    try:
        tf.train.list_variables(path)
    except (tf.errors.OpError, ValueError):
        return f"{path}.index"
    if not isinstance(error, _UNREADABLE_ERRORS):
        return None
    shards = sorted(fs.glob(f"{path}.data-*"))
    return " or ".join(shards) if shards else f"{path}.data-00000-of-00001"


def load_weights(
    model, checkpoint_path: str, flag: str = "--checkpoint_path", moving_average: bool = False
) -> None:
    """`restore_model_weights`, with a `CheckpointError` naming the file on failure and
    `flag`, the one that names another checkpoint."""
    try:
        restore_model_weights(model, checkpoint_path, moving_average)
    except RESTORE_ERRORS as error:
        damaged = damaged_checkpoint_file(checkpoint_path, error)
        if damaged is not None:
            raise CheckpointError(
                f"cannot read checkpoint {checkpoint_path}: {damaged} is missing or corrupt "
                f"({first_line(error)}); pass {flag}=<an earlier checkpoint>"
            ) from None
        raise CheckpointError(
            f"cannot load {checkpoint_path} into this model: {first_line(error)}"
        ) from None


def listed_checkpoints(directory: str) -> list[str]:
    """The checkpoints `directory`'s `checkpoint` state file lists, oldest first (their
    files may be gone)."""
    state = tf.train.get_checkpoint_state(directory)
    paths = list(state.all_model_checkpoint_paths) if state else []
    return [fs.join_run_path(directory, path) for path in paths]


def find_checkpoint(path: str, flag: str = "--checkpoint_path") -> str:
    """The checkpoint prefix `path` names: a prefix itself, or the latest in a directory.
    An error names the file and `flag`, the one that names another checkpoint."""
    if fs.isdir(path):
        latest = tf.train.latest_checkpoint(path)
        if latest is None:
            state = tf.train.get_checkpoint_state(path)
            if state is not None and state.model_checkpoint_path:
                named = os.path.join(path, os.path.basename(state.model_checkpoint_path))
                raise CheckpointError(
                    f"the latest checkpoint named in {os.path.join(path, 'checkpoint')}, {named}, "
                    "is missing "
                    f"({named}.index not found); pass {flag}=<an earlier checkpoint>"
                )
            raise CheckpointError(f"no checkpoint in {path}")
        return latest
    if not fs.exists(f"{path}.index"):
        raise CheckpointError(f"checkpoint {path} not found ({path}.index is missing)")
    return path


def warm_start(model, path: str, load: Callable[[object, str], object] | None = None) -> str:
    """Loads the model's weights (not an optimizer's) from the checkpoint `path` or the
    latest in the directory `path`, as T2T's `--warm_start_from`. `load(model,
    checkpoint)` reads another kind of checkpoint (T2T's); it raises `CheckpointError`.
    Returns the checkpoint."""
    try:
        checkpoint = find_checkpoint(path, flag="--warm_start_from")
        if load is None:
            load_weights(model, checkpoint, flag="--warm_start_from")
        else:
            load(model, checkpoint)
    except CheckpointError as error:
        raise CheckpointError(f"--warm_start_from={path}: {error}") from None
    return checkpoint


def checkpoint_candidates(directory: str) -> list[str]:
    """Checkpoint prefixes in `directory`, newest first: those its `checkpoint` file lists
    (even if their files are gone) and those with an index file."""
    found = [path[: -len(".index")] for path in fs.glob(os.path.join(directory, "ckpt-*.index"))]
    prefixes = {
        os.path.join(directory, os.path.basename(path))
        for path in listed_checkpoints(directory) + found
    }

    def number(prefix: str) -> int:
        suffix = prefix.rsplit("-", 1)[-1]
        return int(suffix) if suffix.isdigit() else -1

    return sorted(prefixes, key=number, reverse=True)


def has_checkpoint(directory: str) -> bool:
    """Whether any of `directory`'s `checkpoint_candidates` has its index file (a run
    falls back past a missing or corrupt latest one)."""
    return any(fs.exists(f"{prefix}.index") for prefix in checkpoint_candidates(directory))
