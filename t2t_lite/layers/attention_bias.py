"""Additive attention biases: 0 where a position may be attended, a large negative number
where it may not. They are added to the attention logits before the softmax."""

import keras
from keras import ops

from t2t_lite.ids import PAD_ID


def large_negative_number(dtype="float32") -> float:
    """A negative number that stays finite in `dtype`, even when two biases are summed.

    -1e9 (T2T's value) overflows float16 to -inf, and a row of -inf gives NaN after the
    softmax, so float16 gets -3e4 (twice that is still above float16's minimum, -65504).
    """
    if keras.backend.standardize_dtype(dtype) == "float16":
        return -3.0e4
    return -1.0e9


def padding_bias(ids, pad_id: int = PAD_ID, dtype="float32"):
    """Bias that hides padding keys.

    Args:
      ids: `[batch, length]` integer ids; positions equal to `pad_id` are masked.
      pad_id: the padding id.
      dtype: dtype of the result.

    Returns:
      `[batch, 1, 1, length]`, broadcastable over heads and query positions.
    """
    is_pad = ops.cast(ops.equal(ids, pad_id), dtype)
    return (is_pad * large_negative_number(dtype))[:, None, None, :]


def causal_bias(length, dtype="float32"):
    """Bias that lets query position i attend only to key positions j <= i.

    Args:
      length: number of positions (int, or a scalar int tensor on TensorFlow).
      dtype: dtype of the result.

    Returns:
      `[1, 1, length, length]`; entry (i, j) is 0 for j <= i, large negative otherwise.
    """
    return causal_bias_rows(0, length, length, dtype)


def causal_bias_rows(start, num_rows, max_length, dtype="float32"):
    """Rows `start ... start + num_rows - 1` of `causal_bias(max_length)`.

    Used when decoding against a cache preallocated to `max_length` positions: keys after
    the query's own position are not written yet and are masked.

    Returns:
      `[1, 1, num_rows, max_length]`.
    """
    query_positions = start + ops.arange(num_rows, dtype="int32")
    future = ops.cast(
        ops.arange(max_length, dtype="int32")[None, :] > query_positions[:, None], dtype
    )
    return (future * large_negative_number(dtype))[None, None, :, :]
