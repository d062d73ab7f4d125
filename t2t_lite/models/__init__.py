"""The model interface, its registry (`--model`), the Transformer families and the loss.

`T2TModel` is what every registered model declares (`model_interface`); `transformer`
is the encoder-decoder `Transformer`, or `DecoderOnlyTransformer` on a problem without
inputs; the encoder-only family is `vision_transformer` (`VisionTransformer`) and
`transformer_encoder` (`TextClassifier`). The models run on
any Keras 3 backend and importing them loads no TensorFlow.
The loss is TensorFlow's; it is imported on first use. A run's files, checkpoints and
trained model are `t2t_lite.runs`'s.
"""

import importlib

from t2t_lite.ids import EOS_ID, PAD_ID
from t2t_lite.models.decoder_only import DecoderOnlyTransformer
from t2t_lite.models.encoder_classifier import EncoderClassifier
from t2t_lite.models.model_interface import (
    FEATURE_KINDS,
    PROMPT,
    SOURCE_SENTENCE,
    DecodeInput,
    FeatureSpec,
    T2TModel,
    repeat_rows,
)
from t2t_lite.models.registry import (
    DEFAULT_MODEL,
    check_model_fits,
    get_model_class,
    list_models,
    model_from_run_hparams,
    register_model,
    run_model_name,
)
from t2t_lite.models.text_classifier import TextClassifier
from t2t_lite.models.transformer import Transformer
from t2t_lite.models.transformer_family import initializer_from_hparams, shift_right
from t2t_lite.models.vision_transformer import VisionTransformer

# name -> the module that defines it, imported when the name is first read.
_TENSORFLOW_ONLY = {
    "PaddedCrossEntropy": "loss",
    "padded_cross_entropy": "loss",
    "padded_cross_entropy_sums": "loss",
    "weighted_cross_entropy_sums": "loss",
    "smoothed_cross_entropy": "loss",
}


def __getattr__(name: str):
    if name not in _TENSORFLOW_ONLY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from t2t_lite.utils.backend import require_tensorflow_backend

    require_tensorflow_backend(f"t2t_lite.models.{name}")
    module = importlib.import_module(f"{__name__}.{_TENSORFLOW_ONLY[name]}")
    return getattr(module, name)


__all__ = [
    "DEFAULT_MODEL",
    "EOS_ID",
    "PAD_ID",
    "PROMPT",
    "SOURCE_SENTENCE",
    "DecodeInput",
    "DecoderOnlyTransformer",
    "EncoderClassifier",
    "FEATURE_KINDS",
    "FeatureSpec",
    "T2TModel",
    "TextClassifier",
    "Transformer",
    "VisionTransformer",
    "check_model_fits",
    "get_model_class",
    "initializer_from_hparams",
    "list_models",
    "model_from_run_hparams",
    "register_model",
    "repeat_rows",
    "run_model_name",
    "shift_right",
]
__all__ += sorted(_TENSORFLOW_ONLY)
