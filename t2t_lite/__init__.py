"""t2t_lite: Tensor2Tensor's Transformer workflow on TensorFlow 2 and Keras 3.

Importing the package sets nothing global, prints nothing and imports no TensorFlow:
`t2t_lite.layers` and `t2t_lite.models.Transformer` run on any Keras 3 backend (JAX and
PyTorch included); data, training, decoding and export are TensorFlow's.
"""

__version__ = "0.1.0"
