"""The one check that the TensorFlow-only parts of t2t_lite (data, training, decoding,
export) run with Keras on its TensorFlow backend; the layers and the model run on any."""

import keras


def require_tensorflow_backend(what: str) -> None:
    """Raises ImportError, naming `what`, unless Keras is on its TensorFlow backend."""
    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise ImportError(
            f"{what} runs on TensorFlow: set KERAS_BACKEND=tensorflow (Keras is on {backend!r}). "
            "t2t_lite.layers and t2t_lite.models.Transformer run on any Keras backend."
        )
