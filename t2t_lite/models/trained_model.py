"""The model of a training run: the Transformer built from the run's hparams
(`run_hparams`), and its weights loaded from a checkpoint (what the decoder, the
exporter and checkpoint averaging share)."""

import os

import tensorflow as tf

from t2t_lite.errors import T2TLiteError, first_line
from t2t_lite.hparams import HParams
from t2t_lite.models.checkpoint import RESTORE_ERRORS, damaged_checkpoint_file, restore_model_weights
from t2t_lite.models.transformer import Transformer
from t2t_lite.utils import file_system as fs


class CheckpointError(T2TLiteError):
    """A missing, unreadable or mismatched checkpoint."""


def model_from_hparams(hparams: HParams, mixed_precision: str = "none") -> Transformer:
    """The built Transformer of a run's hparams (from `with_problem_hparams`)."""
    policy = "float32" if mixed_precision == "none" else mixed_precision
    model = Transformer.from_hparams(
        hparams, hparams.input_vocab_size, hparams.target_vocab_size, dtype=policy, name="transformer"
    )
    model.build()
    return model


def find_checkpoint(path: str) -> str:
    """The checkpoint prefix `path` names: a prefix itself, or the latest in a directory."""
    if fs.isdir(path):
        latest = tf.train.latest_checkpoint(path)
        if latest is None:
            state = tf.train.get_checkpoint_state(path)
            if state is not None and state.model_checkpoint_path:
                named = os.path.join(path, os.path.basename(state.model_checkpoint_path))
                raise CheckpointError(
                    f"the latest checkpoint named in {os.path.join(path, 'checkpoint')}, {named}, is missing "
                    f"({named}.index not found); pass --checkpoint_path=<an earlier checkpoint>"
                )
            raise CheckpointError(f"no checkpoint in {path}")
        return latest
    if not fs.exists(f"{path}.index"):
        raise CheckpointError(f"checkpoint {path} not found ({path}.index is missing)")
    return path


def load_trained_model(hparams: HParams, checkpoint_path: str) -> Transformer:
    """The float32 model of `hparams` with its weights from `checkpoint_path`."""
    model = model_from_hparams(hparams)
    load_weights(model, checkpoint_path)
    return model


def load_weights(model: Transformer, checkpoint_path: str, flag: str = "--checkpoint_path") -> None:
    """`restore_model_weights`, with a `CheckpointError` naming the file on failure and
    `flag`, the one that names another checkpoint."""
    try:
        restore_model_weights(model, checkpoint_path)
    except RESTORE_ERRORS as error:
        damaged = damaged_checkpoint_file(checkpoint_path, error)
        if damaged is not None:
            raise CheckpointError(
                f"cannot read checkpoint {checkpoint_path}: {damaged} is missing or corrupt "
                f"({first_line(error)}); pass {flag}=<an earlier checkpoint>"
            ) from None
        raise CheckpointError(f"cannot load {checkpoint_path} into this model: {first_line(error)}") from None

