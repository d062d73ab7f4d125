"""The Transformer `keras.Model`, its loss, and its run files and checkpoints.

`Transformer` runs on any Keras 3 backend and importing it loads no TensorFlow. The rest
(loss, checkpoints, run files) is TensorFlow's; it is imported on first use.
"""

import importlib

from t2t_lite.ids import EOS_ID, PAD_ID
from t2t_lite.models.transformer import Transformer, initializer_from_hparams, shift_right

# name -> the module that defines it, imported when the name is first read.
_TENSORFLOW_ONLY = {
    "make_checkpoint": "checkpoint",
    "restore_model_weights": "checkpoint",
    "variables_by_path": "checkpoint",
    "PaddedCrossEntropy": "loss",
    "padded_cross_entropy": "loss",
    "padded_cross_entropy_sums": "loss",
    "smoothed_cross_entropy": "loss",
    "FLAGS_FILE": "run_hparams",
    "HPARAMS_FILE": "run_hparams",
    "load_run_hparams": "run_hparams",
    "save_run_hparams": "run_hparams",
    "with_problem_hparams": "run_hparams",
    "CheckpointError": "trained_model",
    "find_checkpoint": "trained_model",
    "load_trained_model": "trained_model",
    "model_from_hparams": "trained_model",
}


def __getattr__(name: str):
    if name not in _TENSORFLOW_ONLY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from t2t_lite.utils.backend import require_tensorflow_backend

    require_tensorflow_backend(f"t2t_lite.models.{name}")
    module = importlib.import_module(f"{__name__}.{_TENSORFLOW_ONLY[name]}")
    return getattr(module, name)


__all__ = ["EOS_ID", "PAD_ID", "Transformer", "initializer_from_hparams", "shift_right"]
__all__ += sorted(_TENSORFLOW_ONLY)
