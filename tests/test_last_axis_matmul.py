"""`last_axis_matmul` against NumPy, for values, gradients, static shapes and XLA."""

import numpy as np
import pytest
import tensorflow as tf

from t2t_lite.layers.last_axis_matmul import last_axis_matmul

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
