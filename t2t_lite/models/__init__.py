"""The Transformer `keras.Model` and its loss."""

from t2t_lite.ids import EOS_ID, PAD_ID
from t2t_lite.models.checkpoint import make_checkpoint, restore_model_weights, variables_by_path
from t2t_lite.models.loss import (
    PaddedCrossEntropy,
    padded_cross_entropy,
    padded_cross_entropy_sums,
    smoothed_cross_entropy,
)
from t2t_lite.models.run_hparams import (
    FLAGS_FILE,
    HPARAMS_FILE,
    load_run_hparams,
    save_run_hparams,
    with_problem_hparams,
)
from t2t_lite.models.trained_model import (
    CheckpointError,
    find_checkpoint,
    load_trained_model,
    model_from_hparams,
)
from t2t_lite.models.transformer import (
    Transformer,
    initializer_from_hparams,
    shift_right,
)

__all__ = [
    "CheckpointError",
    "EOS_ID",
    "FLAGS_FILE",
    "HPARAMS_FILE",
    "PAD_ID",
    "PaddedCrossEntropy",
    "Transformer",
    "find_checkpoint",
    "initializer_from_hparams",
    "load_run_hparams",
    "load_trained_model",
    "model_from_hparams",
    "make_checkpoint",
    "restore_model_weights",
    "save_run_hparams",
    "padded_cross_entropy",
    "padded_cross_entropy_sums",
    "shift_right",
    "smoothed_cross_entropy",
    "with_problem_hparams",
    "variables_by_path",
]
