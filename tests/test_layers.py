import keras
import numpy as np
import pytest
import tensorflow as tf

from t2t_lite.layers import (
    AddTimingSignal,
    AttentionSpec,
    DecoderLayer,
    EncoderLayer,
    FeedForward,
    MultiHeadAttention,
    TokenEmbedding,
    TransformerDecoder,
    TransformerEncoder,
    padding_bias,
)

rng = np.random.default_rng(0)


def numpy_layer_norm(x, gamma, beta, epsilon=1e-6):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + epsilon) * gamma + beta


def numpy_attention(x, qkv_kernel, output_kernel, heads, bias):
    batch, length, depth = x.shape
    q, k, v = np.split(x @ qkv_kernel, 3, axis=-1)
    split = lambda t: t.reshape(batch, length, heads, -1).transpose(0, 2, 1, 3)  # noqa: E731
    q, k, v = split(q), split(k), split(v)
    logits = q @ k.transpose(0, 1, 3, 2) * (depth // heads) ** -0.5 + bias
    weights = np.exp(logits - logits.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    out = (weights @ v).transpose(0, 2, 1, 3).reshape(batch, length, depth)
    return out @ output_kernel


def randomize(layer):
    for weight in layer.weights:
        weight.assign(rng.normal(scale=0.3, size=weight.shape).astype(np.float32))


def test_feed_forward_is_dense_relu_dense():
    x = rng.normal(size=(2, 3, 8)).astype(np.float32)
    layer = FeedForward(16, dropout=0.5)
    layer(x)
    randomize(layer)
    w1, b1 = layer.filter_dense.kernel.numpy(), layer.filter_dense.bias.numpy()
    w2, b2 = layer.output_dense.kernel.numpy(), layer.output_dense.bias.numpy()
    want = np.maximum(x @ w1 + b1, 0) @ w2 + b2
    np.testing.assert_allclose(layer(x).numpy(), want, rtol=1e-5, atol=1e-5)


def test_encoder_layer_is_pre_norm_residual():
    x = rng.normal(size=(2, 5, 8)).astype(np.float32)
    ids = np.array([[3, 4, 5, 0, 0], [3, 4, 5, 6, 7]])
    layer = EncoderLayer(AttentionSpec(num_heads=2), filter_size=16)
    layer(x)
    randomize(layer)
    attn, ffn = layer.self_attention, layer.feed_forward
    n1, n2 = layer.self_attention_norm, layer.feed_forward_norm
    bias = padding_bias(tf.constant(ids)).numpy()

    h = x + numpy_attention(
        numpy_layer_norm(x, n1.gamma.numpy(), n1.beta.numpy()),
        attn.qkv_kernel.numpy(),
        attn.output_kernel.numpy(),
        2,
        bias,
    )
    y = numpy_layer_norm(h, n2.gamma.numpy(), n2.beta.numpy())
    y = np.maximum(y @ ffn.filter_dense.kernel.numpy() + ffn.filter_dense.bias.numpy(), 0)
    want = h + y @ ffn.output_dense.kernel.numpy() + ffn.output_dense.bias.numpy()
    got = layer(x, bias=bias).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_stacks_end_with_layer_norm_epsilon_1e6():
    encoder = TransformerEncoder(num_layers=2, attention=AttentionSpec(num_heads=2), filter_size=16)
    out = encoder(rng.normal(size=(2, 4, 8)).astype(np.float32)).numpy()
    # Fresh LayerNorm (gamma 1, beta 0): every position has mean 0 and variance ~1.
    np.testing.assert_allclose(out.mean(-1), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.var(-1), 1.0, atol=1e-3)
    assert encoder.output_norm.epsilon == 1e-6
    assert all(layer.self_attention_norm.epsilon == 1e-6 for layer in encoder.layers)


def test_decoder_cache_step_by_step_equals_full_sequence():
    batch, length, depth = 3, 6, 8
    x = rng.normal(size=(batch, length, depth)).astype(np.float32)
    memory = rng.normal(size=(batch, 4, depth)).astype(np.float32)
    memory_bias = padding_bias(tf.constant([[5, 5, 0, 0], [5, 5, 5, 5], [5, 0, 0, 0]]))
    decoder = TransformerDecoder(num_layers=3, attention=AttentionSpec(num_heads=2), filter_size=16)
    full = decoder(x, memory=memory, memory_bias=memory_bias).numpy()

    cache = decoder.init_cache(batch, max_length=9)
    memory_cache = decoder.memory_cache(tf.constant(memory))
    outputs = []
    for i in range(length):
        out, cache = decoder(
            x[:, i : i + 1],
            memory_bias=memory_bias,
            cache=cache,
            memory_cache=memory_cache,
            decode_index=i,
        )
        outputs.append(out.numpy())
    np.testing.assert_allclose(np.concatenate(outputs, 1), full, atol=1e-5)


def test_decoder_is_causal():
    x = rng.normal(size=(1, 6, 8)).astype(np.float32)
    memory = rng.normal(size=(1, 3, 8)).astype(np.float32)
    decoder = TransformerDecoder(num_layers=2, attention=AttentionSpec(num_heads=2), filter_size=16)
    changed = x.copy()
    changed[:, 4:] = rng.normal(size=(1, 2, 8))
    a = decoder(x, memory=memory).numpy()
    b = decoder(changed, memory=memory).numpy()
    np.testing.assert_allclose(a[:, :4], b[:, :4], atol=1e-6)
    assert not np.allclose(a[:, 4:], b[:, 4:])


LAYERS = [
    (lambda: AddTimingSignal(max_timescale=100.0), lambda x: x),
    (lambda: FeedForward(12, dropout=0.1), lambda x: x),
    (lambda: MultiHeadAttention(2, key_depth=4, dropout=0.1), lambda x: x),
    (lambda: EncoderLayer(AttentionSpec(2, dropout=0.1), 12, 0.1, 0.1), lambda x: x),
    (lambda: TransformerEncoder(2, {"num_heads": 2}, 12, dropout=0.2), lambda x: x),
    (lambda: TokenEmbedding(11, 8), lambda x: tf.constant([[1, 2, 0], [3, 4, 10]])),
]


@pytest.mark.parametrize("make,inputs", LAYERS)
def test_layers_serialize_and_restore(make, inputs):
    x = inputs(rng.normal(size=(2, 3, 8)).astype(np.float32))
    layer = make()
    want = layer(x)
    config = keras.saving.serialize_keras_object(layer)
    clone = keras.saving.deserialize_keras_object(config)
    assert keras.saving.serialize_keras_object(clone) == config
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(x).numpy(), want.numpy(), atol=1e-6)


def test_decoder_layers_serialize_and_restore():
    x = rng.normal(size=(2, 3, 8)).astype(np.float32)
    memory = rng.normal(size=(2, 5, 8)).astype(np.float32)
    for layer in (DecoderLayer(AttentionSpec(2), 12), TransformerDecoder(2, AttentionSpec(2), 12)):
        want = layer(x, memory=memory).numpy()
        clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
        clone(x, memory=memory)
        clone.set_weights(layer.get_weights())
        np.testing.assert_allclose(clone(x, memory=memory).numpy(), want, atol=1e-6)
