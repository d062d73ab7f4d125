"""t2t_lite: Tensor2Tensor's Transformer workflow on TensorFlow 2 and Keras 3.

Importing the package sets nothing global and prints nothing. It needs Keras on the
TensorFlow backend.
"""

_BACKEND_HINT = "t2t_lite needs the TensorFlow backend of Keras; set KERAS_BACKEND=tensorflow"

try:
    import keras
except ImportError as error:  # e.g. KERAS_BACKEND names a backend that is not installed
    raise ImportError(f"{_BACKEND_HINT} (importing keras failed: {error})") from error

if keras.backend.backend() != "tensorflow":
    raise ImportError(f"{_BACKEND_HINT} (Keras is on {keras.backend.backend()!r})")

__version__ = "0.1.0"
