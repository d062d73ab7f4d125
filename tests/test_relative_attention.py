"""Relative position representations (T2T's `dot_product_relative`, Shaw et al. 2018):
the layer against a NumPy loop over the formula, cached decoding against the full
recompute past `max_relative_position`, saving, and the hparams that select it."""

import keras
import numpy as np
import pytest

from t2t_lite import decoding
from t2t_lite.hparams import get_hparams
from t2t_lite.layers import (
    AttentionSpec,
    MultiHeadAttention,
    TransformerDecoder,
    padding_bias,
)
from t2t_lite.models import Transformer
from t2t_lite.runs import model_from_hparams, with_problem_hparams

MAX_DISTANCE = 3


def randomized(layer_or_model, seed=0):
    """Random values in every weight, so that no table or norm keeps its initial values."""
    rng = np.random.default_rng(seed)
    layer_or_model.set_weights(
        [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in layer_or_model.weights]
    )
    return layer_or_model


def numpy_relative_attention(x, layer, bias):
    """The formula, one query and one key at a time: with q scaled by depth^-0.5,
    logit(i, j) = q_i.k_j + q_i.a_K[clip(j - i)], output_i = sum_j w_ij (v_j + a_V[clip(j - i)])."""
    heads, limit = layer.num_heads, layer.max_relative_position
    q, k, v = np.split(x @ layer.qkv_kernel.numpy(), [layer._key_depth, 2 * layer._key_depth], -1)
    batch, length, _ = x.shape
    depth = layer._key_depth // heads
    table_k = layer.relative_key_embeddings.numpy()
    table_v = layer.relative_value_embeddings.numpy()
    assert table_k.shape == table_v.shape == (2 * limit + 1, depth)
    out = np.zeros((batch, length, heads, depth))
    for b in range(batch):
        for h in range(heads):
            part = slice(h * depth, (h + 1) * depth)
            for i in range(length):
                qi = q[b, i, part] * depth**-0.5
                rows = [np.clip(j - i, -limit, limit) + limit for j in range(length)]
                logits = np.array(
                    [qi @ k[b, j, part] + qi @ table_k[rows[j]] for j in range(length)]
                )
                logits = logits + bias[b, 0, i]
                w = np.exp(logits - logits.max())
                w /= w.sum()
                out[b, i, h] = sum(w[j] * (v[b, j, part] + table_v[rows[j]]) for j in range(length))
    return out.reshape(batch, length, heads * depth) @ layer.output_kernel.numpy()


@pytest.mark.parametrize("key_depth", [None, 24])
def test_layer_computes_the_formula(key_depth):
    rng = np.random.default_rng(1)
    layer = MultiHeadAttention(
        4, key_depth=key_depth, value_depth=key_depth, max_relative_position=MAX_DISTANCE
    )
    x = rng.normal(size=(2, 9, 16)).astype("float32")
    ids = np.array([[3] * 9, [3] * 6 + [0] * 3])
    layer(x)
    randomized(layer)
    bias = np.broadcast_to(padding_bias(ids).numpy(), (2, 1, 9, 9))
    got = layer(x, bias=bias).numpy()
    np.testing.assert_allclose(got, numpy_relative_attention(x, layer, bias), atol=2e-5)


def test_bad_settings_are_clear_errors():
    with pytest.raises(ValueError, match="max_relative_position=0"):
        MultiHeadAttention(2, max_relative_position=0)
    with pytest.raises(ValueError, match="encoder-decoder attention is plain"):
        MultiHeadAttention(2, self_attention=False, max_relative_position=4)
    layer = MultiHeadAttention(2, key_depth=8, value_depth=16, max_relative_position=4)
    with pytest.raises(ValueError, match="same depth per head"):
        layer(np.zeros((1, 3, 8), "float32"))
    hparams = get_hparams("transformer_relative_tiny", "max_relative_position=0")
    with pytest.raises(ValueError, match="hparams.max_relative_position=0: self_attention_type"):
        AttentionSpec.from_hparams(hparams)
    hparams = get_hparams("transformer_tiny", "self_attention_type=dot_product_relative_v2")
    with pytest.raises(ValueError, match="self_attention_type='dot_product_relative_v2'"):
        AttentionSpec.from_hparams(hparams)
    hparams = get_hparams("transformer_relative_tiny", "attention_value_channels=64")
    with pytest.raises(ValueError, match="attention_key_channels=0 and attention_value_channels"):
        AttentionSpec.from_hparams(hparams)
    with pytest.raises(ValueError, match="hparams.pos='emb'"):
        model_from_hparams(tiny_hparams("transformer_relative_tiny", "pos=emb"))


def test_decoder_stack_cache_equals_the_full_recompute_past_the_clipping_distance():
    """Step i of the cached decoder sees keys 0..i at distances counted from i, in a cache
    preallocated longer than the sequence."""
    rng = np.random.default_rng(2)
    spec = AttentionSpec(2, max_relative_position=MAX_DISTANCE)
    decoder = TransformerDecoder(2, spec, filter_size=12)
    length, max_length = 4 * MAX_DISTANCE, 4 * MAX_DISTANCE + 5
    x = rng.normal(size=(2, length, 8)).astype("float32")
    memory = rng.normal(size=(2, 5, 8)).astype("float32")
    decoder(x, memory=memory)
    randomized(decoder)
    full = decoder(x, memory=memory).numpy()
    cache = decoder.init_cache(2, max_length)
    memory_cache = decoder.memory_cache(memory)
    steps = []
    for i in range(length):
        y, cache = decoder(x[:, i : i + 1], cache=cache, memory_cache=memory_cache, decode_index=i)
        steps.append(y.numpy())
    np.testing.assert_allclose(np.concatenate(steps, 1), full, atol=1e-5)
    # Prefill: several positions written at once, from position 0 and then after it.
    cache = decoder.init_cache(2, max_length)
    first, cache = decoder(x[:, :5], cache=cache, memory_cache=memory_cache, decode_index=0)
    rest, _ = decoder(x[:, 5:], cache=cache, memory_cache=memory_cache, decode_index=5)
    np.testing.assert_allclose(np.concatenate([first, rest], 1), full, atol=1e-5)


def tiny_hparams(hparams_set: str, overrides: str = ""):
    hparams = get_hparams(
        hparams_set,
        "hidden_size=16,filter_size=24,num_heads=2,"
        f"max_relative_position={MAX_DISTANCE}" + (f",{overrides}" if overrides else ""),
    )
    return with_problem_hparams(hparams, "demo", 30, 30)


@pytest.fixture(scope="module", params=["none", "timing"])
def relative_model(request):
    hparams = tiny_hparams("transformer_relative_tiny", f"pos={request.param}")
    model = randomized(model_from_hparams(hparams), seed=3)
    assert model.use_timing_signal == (request.param == "timing")
    assert model.attention.max_relative_position == MAX_DISTANCE
    return model


def full_recompute_greedy(model, inputs, steps: int) -> np.ndarray:
    """Greedy decoding without a cache: the whole prefix is run again for each token."""
    targets = np.zeros((inputs.shape[0], 0), np.int32)
    for _ in range(steps):
        padded = np.pad(targets, [[0, 0], [0, 1]])  # the last position's logits are the next
        logits = model({"inputs": inputs, "targets": padded}, training=False).numpy()
        targets = np.concatenate([targets, logits[:, -1].argmax(-1)[:, None]], 1).astype(np.int32)
    return targets


def test_cached_greedy_and_beam_equal_full_recompute(relative_model):
    inputs = np.array([[5, 6, 7, 8, 9, 10, 11, 12, 1], [13, 14, 15, 1, 0, 0, 0, 0, 0]], np.int32)
    extra = 2 * MAX_DISTANCE
    ids, _ = decoding.decode_ids(relative_model, inputs, decoding.GreedySearch(extra_length=extra))
    want = full_recompute_greedy(relative_model, inputs, inputs.shape[1] + extra)
    compared = []
    for got_row, want_row in zip(ids.numpy(), want, strict=True):
        # Rows stop at their first EOS (the search pads after it).
        n = list(want_row).index(1) + 1 if 1 in want_row else len(want_row)
        assert got_row[:n].tolist() == want_row[:n].tolist()
        compared.append(n)
    assert max(compared) > 2 * MAX_DISTANCE + 1, "decode past the clipping distance"
    # Beam search: its top beam's score is the sum of full-recompute log-probabilities.
    beams, scores = decoding.decode_ids(
        relative_model, inputs[:1], decoding.BeamSearch(3, alpha=0.0, extra_length=extra)
    )
    top = beams.numpy()[0]
    top = top[: list(top).index(1) + 1] if 1 in top else top
    logits = relative_model(
        {"inputs": inputs[:1], "targets": top[None].astype(np.int32)}, training=False
    ).numpy()[0]
    peak = logits.max(-1, keepdims=True)
    log_probs = logits - peak - np.log(np.exp(logits - peak).sum(-1, keepdims=True))
    total = sum(log_probs[t, token] for t, token in enumerate(top))
    assert float(scores[0]) == pytest.approx(total, abs=1e-4)


def test_no_timing_signal_means_no_position_signal():
    """With pos=none and plain dot-product attention the encoder cannot tell positions
    apart: permuting the inputs permutes its outputs. With the timing signal it can."""
    inputs = np.array([[5, 6, 7, 8, 9]], np.int32)
    order = [3, 0, 4, 1, 2]
    for pos, equivariant in (("none", True), ("timing", False)):
        model = randomized(model_from_hparams(tiny_hparams("transformer_tiny", f"pos={pos}")))
        out, _ = model.encode(inputs)
        permuted, _ = model.encode(inputs[:, order])
        same = np.allclose(out.numpy()[:, order], permuted.numpy(), atol=1e-5)
        assert same == equivariant, pos


def test_keras_round_trip(relative_model, tmp_path):
    path = tmp_path / "relative.keras"
    relative_model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, Transformer)
    assert loaded.attention == relative_model.attention
    assert loaded.use_timing_signal == relative_model.use_timing_signal
    features = {
        "inputs": np.array([[5, 6, 7, 8, 9, 10, 11, 12, 1]], np.int32),
        "targets": np.array([[3, 4, 5, 6, 7, 8, 9, 10, 11, 1]], np.int32),
    }
    np.testing.assert_array_equal(
        loaded(features, training=False).numpy(), relative_model(features, training=False).numpy()
    )
    # The layer alone round-trips through its config.
    layer = relative_model.encoder.layers[0].self_attention
    clone = MultiHeadAttention.from_config(layer.get_config())
    assert clone.max_relative_position == MAX_DISTANCE
    memory_attention = relative_model.decoder.layers[0].memory_attention
    assert memory_attention.max_relative_position is None  # encoder-decoder stays plain


def test_relative_sets_have_t2ts_values():
    for name, base in (
        ("transformer_relative", "transformer_base"),
        ("transformer_relative_tiny", "transformer_tiny"),
        ("transformer_relative_big", "transformer_big"),
    ):
        relative, plain = get_hparams(name).values(), get_hparams(base).values()
        changed = {k: relative[k] for k in relative if relative[k] != plain[k]}
        assert changed == {
            "pos": "none",
            "self_attention_type": "dot_product_relative",
            "max_relative_position": 20,
        }, name
