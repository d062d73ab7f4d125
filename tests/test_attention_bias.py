import numpy as np
import tensorflow as tf

from t2t_lite.layers import causal_bias, causal_bias_rows, large_negative_number, padding_bias


def test_padding_bias_masks_pad_keys():
    ids = tf.constant([[5, 6, 0, 0], [7, 0, 8, 9]])
    bias = padding_bias(ids).numpy()
    assert bias.shape == (2, 1, 1, 4)
    masked = bias[:, 0, 0, :] < -1e8
    np.testing.assert_array_equal(masked, [[False, False, True, True], [False, True, False, False]])
    np.testing.assert_array_equal(bias[:, 0, 0, :][~masked], 0.0)


def test_causal_bias_is_lower_triangle():
    bias = causal_bias(4).numpy()
    assert bias.shape == (1, 1, 4, 4)
    allowed = bias[0, 0] == 0.0
    np.testing.assert_array_equal(allowed, np.tril(np.ones((4, 4), bool)))
    assert (bias[0, 0][~allowed] < -1e8).all()


def test_causal_rows_are_slices_of_the_full_bias():
    full = causal_bias(9).numpy()
    for start, rows in [(0, 1), (4, 1), (2, 3), (8, 1)]:
        np.testing.assert_array_equal(
            causal_bias_rows(start, rows, 9).numpy(), full[:, :, start : start + rows, :]
        )


def test_biases_stay_finite_in_half_precision():
    for dtype in (tf.float16, tf.bfloat16):
        both = causal_bias(3, dtype) + padding_bias(tf.constant([[1, 0, 0]]), dtype=dtype)
        values = tf.cast(both, tf.float32).numpy()
        assert np.isfinite(values).all()
        assert values.min() < -1e4
        assert large_negative_number(dtype) < -1e4
        # A fully masked row must not turn into NaN after the softmax.
        assert np.isfinite(tf.nn.softmax(tf.cast(both, tf.float32)).numpy()).all()
