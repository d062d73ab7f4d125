"""Sinusoidal positional encoding, as Tensor2Tensor's `common_attention` defines it."""

import math

import keras
from keras import ops


def get_timing_signal_1d(
    length,
    channels: int,
    min_timescale: float = 1.0,
    max_timescale: float = 1.0e4,
    start_index=0,
):
    """Returns T2T's timing signal, a float32 tensor of shape `[1, length, channels]`
    (`[batch, length, channels]` when `start_index` has one position per row).

    `channels // 2` timescales, spaced geometrically from `min_timescale` to
    `max_timescale`; the first half of the channels holds `sin(position / timescale)`,
    the second half `cos(...)` (concatenated, not interleaved). When `channels` is odd,
    the last channel is zero.

    Args:
      length: number of positions; a Python int, or a scalar int tensor on TensorFlow.
      channels: size of the last dimension; a Python int.
      min_timescale: the shortest wavelength divided by 2*pi.
      max_timescale: the longest wavelength divided by 2*pi.
      start_index: position of the first row; a Python int, a scalar int tensor
        (step-by-step decoding passes the current step) or a `[batch]` int tensor, one
        start per sequence (prompts left-padded to a common length start at minus their
        padding).
    """
    starts = ops.reshape(ops.cast(start_index, "int32"), (-1, 1))  # [1 or batch, 1]
    position = ops.cast(ops.arange(length, dtype="int32")[None, :] + starts, "float32")
    num_timescales = channels // 2
    log_timescale_increment = math.log(float(max_timescale) / float(min_timescale)) / max(
        num_timescales - 1, 1
    )
    inv_timescales = min_timescale * ops.exp(
        ops.arange(num_timescales, dtype="float32") * -log_timescale_increment
    )
    scaled_time = position[:, :, None] * inv_timescales[None, None, :]
    signal = ops.concatenate([ops.sin(scaled_time), ops.cos(scaled_time)], axis=2)
    return ops.pad(signal, [[0, 0], [0, 0], [0, channels % 2]])


def add_timing_signal_1d(
    x,
    min_timescale: float = 1.0,
    max_timescale: float = 1.0e4,
    start_index=0,
):
    """Adds `get_timing_signal_1d` to `x` of shape `[batch, length, channels]`.

    The signal is computed in float32 and cast to `x.dtype`.
    """
    length = ops.shape(x)[1]
    channels = x.shape[-1]
    signal = get_timing_signal_1d(length, channels, min_timescale, max_timescale, start_index)
    return x + ops.cast(signal, x.dtype)


@keras.saving.register_keras_serializable(package="t2t_lite")
class AddTimingSignal(keras.layers.Layer):
    """Keras layer that adds T2T's sinusoidal timing signal to its input.

    Call arguments:
      inputs: `[batch, length, channels]` float tensor.
      start_index: position of the first row (int or scalar int tensor), for decoding
        one step at a time; or `[batch]` ints, one per sequence.

    Returns:
      `[batch, length, channels]`, `inputs + get_timing_signal_1d(...)`.

    Args:
      min_timescale: the shortest wavelength divided by 2*pi.
      max_timescale: the longest wavelength divided by 2*pi.
    """

    def __init__(self, min_timescale: float = 1.0, max_timescale: float = 1.0e4, **kwargs):
        super().__init__(**kwargs)
        self.min_timescale = min_timescale
        self.max_timescale = max_timescale
        self.supports_masking = True

    def call(self, inputs, start_index=0):
        return add_timing_signal_1d(inputs, self.min_timescale, self.max_timescale, start_index)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(min_timescale=self.min_timescale, max_timescale=self.max_timescale)
        return config
