"""The Transformer `keras.Model` and its loss."""

from t2t_lite.models.checkpoint import make_checkpoint, restore_model_weights, variables_by_path
from t2t_lite.models.loss import (
    PaddedCrossEntropy,
    padded_cross_entropy,
    padded_cross_entropy_sums,
    smoothed_cross_entropy,
)
from t2t_lite.models.transformer import (
    EOS_ID,
    PAD_ID,
    Transformer,
    initializer_from_hparams,
    shift_right,
)

__all__ = [
    "EOS_ID",
    "PAD_ID",
    "PaddedCrossEntropy",
    "Transformer",
    "initializer_from_hparams",
    "make_checkpoint",
    "restore_model_weights",
    "padded_cross_entropy",
    "padded_cross_entropy_sums",
    "shift_right",
    "smoothed_cross_entropy",
    "variables_by_path",
]
