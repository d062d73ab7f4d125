"""Export: the text-in/text-out `TextGenerationModule` and versioned SavedModels for
TensorFlow Serving."""

from t2t_lite.utils.backend import require_tensorflow_backend

require_tensorflow_backend("t2t_lite.export")

from t2t_lite.export.exporter import ExportError, existing_versions, export_versioned
from t2t_lite.export.serving_module import TextGenerationModule

__all__ = ["ExportError", "TextGenerationModule", "existing_versions", "export_versioned"]
