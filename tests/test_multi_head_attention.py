import keras
import numpy as np
import pytest
import tensorflow as tf

from t2t_lite.layers import MultiHeadAttention, causal_bias, causal_bias_rows, padding_bias

HEADS, DEPTH = 4, 16


def keras_reference(query_depth, memory_depth, key_dim, value_dim, output_depth):
    """Keras' own MultiHeadAttention without biases, built on sample shapes."""
    ref = keras.layers.MultiHeadAttention(
        num_heads=HEADS,
        key_dim=key_dim,
        value_dim=value_dim,
        output_shape=output_depth,
        use_bias=False,
    )
    ref(np.zeros((1, 2, query_depth), np.float32), np.zeros((1, 3, memory_depth), np.float32))
    return ref


def flat(kernel):
    """Keras' `[in, heads, depth]` einsum kernel -> our `[in, heads * depth]` matmul kernel."""
    kernel = kernel.numpy() if hasattr(kernel, "numpy") else np.asarray(kernel)
    return kernel.reshape(kernel.shape[0], -1)


def test_self_attention_matches_keras_with_padding_mask():
    rng = np.random.default_rng(0)
    ids = np.array([[3, 4, 5, 6, 0, 0], [7, 8, 9, 3, 4, 5]])
    x = rng.normal(size=(2, 6, DEPTH)).astype(np.float32)
    ref = keras_reference(DEPTH, DEPTH, 4, 4, DEPTH)
    ours = MultiHeadAttention(HEADS)
    ours(x)
    ours.qkv_kernel.assign(
        np.concatenate(
            [
                flat(ref._query_dense.kernel),
                flat(ref._key_dense.kernel),
                flat(ref._value_dense.kernel),
            ],
            1,
        )
    )
    ours.output_kernel.assign(ref._output_dense.kernel.numpy().reshape(-1, DEPTH))

    mask = np.broadcast_to((ids != 0)[:, None, :], (2, 6, 6))
    want = ref(x, x, attention_mask=mask).numpy()
    got = ours(x, bias=padding_bias(tf.constant(ids))).numpy()
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_encoder_decoder_attention_matches_keras_with_other_depths():
    rng = np.random.default_rng(1)
    query = rng.normal(size=(2, 3, DEPTH)).astype(np.float32)
    memory = rng.normal(size=(2, 5, 12)).astype(np.float32)
    ref = keras_reference(DEPTH, 12, key_dim=2, value_dim=3, output_depth=10)
    ours = MultiHeadAttention(
        HEADS, key_depth=8, value_depth=12, output_depth=10, self_attention=False
    )
    ours(query, memory)
    ours.query_kernel.assign(flat(ref._query_dense.kernel))
    ours.kv_kernel.assign(
        np.concatenate([flat(ref._key_dense.kernel), flat(ref._value_dense.kernel)], 1)
    )
    ours.output_kernel.assign(ref._output_dense.kernel.numpy().reshape(-1, 10))

    want = ref(query, memory, key=memory).numpy()
    got = ours(query, memory=memory).numpy()
    assert got.shape == (2, 3, 10)
    np.testing.assert_allclose(got, want, atol=1e-5)
    # Precomputed memory keys/values give the same result.
    got_cached = ours(query, cache=ours.memory_cache(tf.constant(memory))).numpy()
    np.testing.assert_allclose(got_cached, want, atol=1e-5)


def test_cache_one_position_at_a_time_equals_full_causal_attention():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 7, DEPTH)).astype(np.float32)
    layer = MultiHeadAttention(HEADS)
    full = layer(x, bias=causal_bias(7)).numpy()

    max_length = 10
    cache = layer.empty_cache(3, max_length)
    steps = []
    for i in range(7):
        out, cache = layer(
            x[:, i : i + 1], bias=causal_bias_rows(i, 1, max_length), cache=cache, decode_index=i
        )
        steps.append(out.numpy())
    np.testing.assert_allclose(np.concatenate(steps, 1), full, atol=1e-5)


def test_cache_accepts_several_positions_per_call():
    x = np.random.default_rng(3).normal(size=(1, 6, DEPTH)).astype(np.float32)
    layer = MultiHeadAttention(HEADS)
    full = layer(x, bias=causal_bias(6)).numpy()
    cache = layer.empty_cache(1, 6)
    first, cache = layer(x[:, :4], bias=causal_bias_rows(0, 4, 6), cache=cache, decode_index=0)
    second, _ = layer(x[:, 4:], bias=causal_bias_rows(4, 2, 6), cache=cache, decode_index=4)
    np.testing.assert_allclose(np.concatenate([first, second], 1), full, atol=1e-5)


def test_dropout_only_in_training():
    x = np.random.default_rng(4).normal(size=(2, 5, DEPTH)).astype(np.float32)
    layer = MultiHeadAttention(HEADS, dropout=0.5)
    np.testing.assert_array_equal(layer(x, training=False), layer(x))
    assert not np.allclose(layer(x, training=True), layer(x, training=False))


def test_config_round_trip_and_bad_heads():
    layer = MultiHeadAttention(2, key_depth=8, self_attention=False, dropout=0.2)
    clone = MultiHeadAttention.from_config(layer.get_config())
    assert (clone.num_heads, clone.key_depth, clone.self_attention, clone.dropout) == (
        2,
        8,
        False,
        0.2,
    )
    with pytest.raises(ValueError, match="num_heads"):
        MultiHeadAttention(3)(np.zeros((1, 2, 8), np.float32))
