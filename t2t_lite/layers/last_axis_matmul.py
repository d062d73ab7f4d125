"""`x @ kernel` over the last axis of a `[..., depth]` tensor, as one 2-D matmul."""

import tensorflow as tf


def last_axis_matmul(x: tf.Tensor, kernel: tf.Tensor, transpose_kernel: bool = False) -> tf.Tensor:
    """`[..., depth] @ [depth, units]` (or `@ kernel^T` for a `[units, depth]` kernel).

    `tf.matmul` of a rank-3 tensor with a matrix becomes a broadcasting BatchMatMul: one
    small product per batch row, and a gradient for the kernel that materializes a
    `[batch, depth, units]` tensor before summing it. Folding the leading axes into one
    and running a single MatMul is several times faster on CPU (profiled: the logits
    projection of a 128x24-token batch took 0.9 of 1.1 s per train step).
    """
    units = kernel.shape[0] if transpose_kernel else kernel.shape[-1]
    leading = tf.shape(x)[:-1]
    flat = tf.reshape(x, [-1, x.shape[-1]])
    out = tf.matmul(flat, kernel, transpose_b=transpose_kernel)
    out = tf.reshape(out, tf.concat([leading, [units]], axis=0))
    # Restore the static leading dims for shape inference. (Not tf.ensure_shape: that is
    # a runtime op, and inside an XLA cluster it made the train step 6x slower.)
    out.set_shape(x.shape[:-1].concatenate([units]))
    return out
