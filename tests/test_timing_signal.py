import numpy as np
import pytest
import tensorflow as tf

from t2t_lite.layers import AddTimingSignal, add_timing_signal_1d, get_timing_signal_1d


def numpy_timing_signal(length, channels, min_timescale=1.0, max_timescale=1.0e4, start_index=0):
    """T2T's formula written out in float64 NumPy, one timescale at a time."""
    num_timescales = channels // 2
    signal = np.zeros((length, channels))
    increment = np.log(max_timescale / min_timescale) / max(num_timescales - 1, 1)
    for i in range(num_timescales):
        inv_timescale = min_timescale * np.exp(-i * increment)
        for pos in range(length):
            angle = (start_index + pos) * inv_timescale
            signal[pos, i] = np.sin(angle)
            signal[pos, num_timescales + i] = np.cos(angle)
    return signal[np.newaxis]


@pytest.mark.parametrize("channels", [1, 2, 7, 8, 64, 129])
@pytest.mark.parametrize("length", [1, 5, 50])
def test_matches_numpy_formula(length, channels):
    got = get_timing_signal_1d(length, channels).numpy()
    assert got.shape == (1, length, channels)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, numpy_timing_signal(length, channels), atol=2e-5)


@pytest.mark.parametrize("start_index", [0, 3, 117])
def test_start_index_and_timescales(start_index):
    got = get_timing_signal_1d(
        6, 10, min_timescale=2.0, max_timescale=500.0, start_index=start_index
    )
    want = numpy_timing_signal(6, 10, 2.0, 500.0, start_index)
    np.testing.assert_allclose(got.numpy(), want, atol=2e-5)


def test_odd_channels_pad_a_zero_column_on_the_right():
    signal = get_timing_signal_1d(4, 5).numpy()
    np.testing.assert_array_equal(signal[0, :, 4], 0.0)
    # Position 0: all sines 0, all cosines 1 (concatenated, not interleaved).
    np.testing.assert_array_equal(signal[0, 0, :4], [0.0, 0.0, 1.0, 1.0])


def test_tensor_length_and_start_index_inside_tf_function():
    @tf.function(input_signature=[tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int32)])
    def signal(length, start):
        return get_timing_signal_1d(length, 12, start_index=start)

    np.testing.assert_allclose(
        signal(tf.constant(3), tf.constant(9)).numpy(),
        numpy_timing_signal(3, 12, start_index=9),
        atol=2e-5,
    )


def test_add_timing_signal_and_layer():
    x = np.random.default_rng(0).normal(size=(2, 7, 6)).astype(np.float32)
    want = x + numpy_timing_signal(7, 6, start_index=2)
    np.testing.assert_allclose(
        add_timing_signal_1d(tf.constant(x), start_index=2).numpy(), want, atol=2e-5
    )
    layer = AddTimingSignal()
    np.testing.assert_allclose(layer(x, start_index=2).numpy(), want, atol=2e-5)
    restored = AddTimingSignal.from_config(AddTimingSignal(max_timescale=50.0).get_config())
    assert restored.max_timescale == 50.0


def test_add_keeps_input_dtype():
    x = tf.zeros([1, 3, 4], tf.bfloat16)
    assert add_timing_signal_1d(x).dtype == tf.bfloat16
