"""`last_axis_matmul` against NumPy, for values, gradients, static shapes and XLA."""

import numpy as np
import pytest
import tensorflow as tf

from t2t_lite.layers.last_axis_matmul import last_axis_matmul, matmul_transposed

rng = np.random.default_rng(0)


@pytest.mark.parametrize("shape", [(5, 8), (3, 4, 8), (2, 3, 4, 8)])
@pytest.mark.parametrize("transpose", [False, True])
def test_values_and_gradients_equal_numpy(shape, transpose):
    x = rng.normal(size=shape).astype(np.float32)
    w = rng.normal(size=(8, 6)).astype(np.float32)
    kernel = w.T.copy() if transpose else w
    upstream = rng.normal(size=shape[:-1] + (6,)).astype(np.float32)
    xt, kt = tf.constant(x), tf.Variable(kernel)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        out = last_axis_matmul(xt, kt, transpose_kernel=transpose)
        loss = tf.reduce_sum(out * upstream)
    grad_x, grad_k = tape.gradient(loss, [xt, kt])
    np.testing.assert_allclose(out.numpy(), x @ w, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grad_x.numpy(), upstream @ w.T, rtol=1e-5, atol=1e-5)
    flat_x, flat_up = x.reshape(-1, 8), upstream.reshape(-1, 6)
    expected_w_grad = flat_x.T @ flat_up
    np.testing.assert_allclose(
        grad_k.numpy(), expected_w_grad.T if transpose else expected_w_grad, rtol=1e-4, atol=1e-4
    )


def test_static_shape_kept_and_dynamic_batch_allowed():
    kernel = tf.ones([8, 6])

    @tf.function(input_signature=[tf.TensorSpec([None, 4, 8], tf.float32)])
    def project(x):
        out = last_axis_matmul(x, kernel)
        assert out.shape.as_list() == [None, 4, 6], out.shape
        return out

    assert project(tf.ones([3, 4, 8])).shape == (3, 4, 6)


def test_same_result_under_xla():
    x = tf.constant(rng.normal(size=(3, 5, 8)).astype(np.float32))
    kernel = tf.constant(rng.normal(size=(10, 8)).astype(np.float32))
    compiled = tf.function(
        lambda a, b: last_axis_matmul(a, b, transpose_kernel=True), jit_compile=True
    )
    np.testing.assert_allclose(
        compiled(x, kernel).numpy(), np.einsum("btd,vd->btv", x, kernel), rtol=1e-5, atol=1e-5
    )


def test_matmul_transposed_equals_numpy_in_a_traced_loop():
    x = rng.normal(size=(2, 4, 3, 8)).astype(np.float32)
    y = rng.normal(size=(2, 4, 5, 8)).astype(np.float32)
    expected = x @ np.swapaxes(y, -1, -2)
    np.testing.assert_allclose(matmul_transposed(x, y).numpy(), expected, rtol=1e-5, atol=1e-5)

    # Inside a compiled while loop, as the decoder calls it at every step.
    @tf.function(jit_compile=True)
    def looped(x, y):
        return tf.while_loop(
            lambda i, acc: i < 3,
            lambda i, acc: (i + 1, acc + matmul_transposed(x, y)),
            (0, tf.zeros(expected.shape)),
        )[1]

    np.testing.assert_allclose(looped(x, y).numpy(), 3 * expected, rtol=1e-5, atol=1e-4)
