"""Export: the text-in/text-out `TextGenerationModule`, the `ClassifierModule` (images or
text in, class names and probabilities out) and versioned SavedModels for TensorFlow
Serving."""

from t2t_lite.utils.backend import require_tensorflow_backend

require_tensorflow_backend("t2t_lite.export")

from t2t_lite.export.classifier_module import ClassifierModule
from t2t_lite.export.exporter import ExportError, existing_versions, export_versioned
from t2t_lite.export.image_generation_module import ImageGenerationModule
from t2t_lite.export.serving_module import TextGenerationModule


def serving_module(model, vocabulary: dict, hparams, strategy, image_shape=None):
    """The module that serves `model`: a `ClassifierModule` for a classifier; an
    `ImageGenerationModule` for a problem whose outputs are images of `image_shape`;
    else a `TextGenerationModule` searching with `strategy`."""
    if model.task == "classification":
        return ClassifierModule(model, vocabulary, hparams)
    if image_shape:
        return ImageGenerationModule(
            model,
            vocabulary,
            hparams.max_length,
            strategy,
            image_shape,
            hparams.image_vocab_start,
            hparams.image_vocab_size,
        )
    return TextGenerationModule(model, vocabulary, max_length=hparams.max_length, strategy=strategy)


__all__ = [
    "ClassifierModule",
    "ExportError",
    "ImageGenerationModule",
    "TextGenerationModule",
    "existing_versions",
    "export_versioned",
    "serving_module",
]
