"""The Transformer `keras.Model` and its loss.

`Transformer` runs on any Keras 3 backend and importing it loads no TensorFlow. The loss
is TensorFlow's; it is imported on first use. A run's files, checkpoints and trained
model are `t2t_lite.runs`'s.
"""

import importlib

from t2t_lite.ids import EOS_ID, PAD_ID
from t2t_lite.models.transformer import Transformer, initializer_from_hparams, shift_right

# name -> the module that defines it, imported when the name is first read.
_TENSORFLOW_ONLY = {
    "PaddedCrossEntropy": "loss",
    "padded_cross_entropy": "loss",
    "padded_cross_entropy_sums": "loss",
    "smoothed_cross_entropy": "loss",
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
