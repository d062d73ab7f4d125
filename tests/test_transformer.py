import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from t2t_lite.hparams import get_hparams
from t2t_lite.layers import AttentionSpec
from t2t_lite.models import PaddedCrossEntropy, Transformer, padded_cross_entropy

VOCAB = 17


def small_model(**kwargs):
    config = dict(
        input_vocab_size=VOCAB,
        target_vocab_size=VOCAB,
        hidden_size=32,
        filter_size=64,
        attention=AttentionSpec(num_heads=4, dropout=0.1),
        num_encoder_layers=2,
        num_decoder_layers=2,
    )
    config.update(kwargs)
    return Transformer(**config)


def batch(seed=0, batch_size=3, in_len=7, out_len=6):
    rng = np.random.default_rng(seed)
    inputs = rng.integers(2, VOCAB, size=(batch_size, in_len))
    targets = rng.integers(2, VOCAB, size=(batch_size, out_len))
    inputs[0, 5:] = 0  # padding in one row
    return {"inputs": tf.constant(inputs), "targets": tf.constant(targets)}


def test_logits_shape_and_dtype():
    logits = small_model()(batch())
    assert logits.shape == (3, 6, VOCAB)
    assert logits.dtype == tf.float32


def test_future_targets_do_not_change_earlier_logits():
    model = small_model()
    features = batch()
    changed = features["targets"].numpy().copy()
    changed[:, 3:] = (changed[:, 3:] + 5) % (VOCAB - 2) + 2
    a = model(features).numpy()
    b = model({"inputs": features["inputs"], "targets": tf.constant(changed)}).numpy()
    # Position t sees targets[:, :t] (shifted right), so logits 0..3 are unchanged.
    np.testing.assert_allclose(a[:, :4], b[:, :4], atol=1e-5)
    assert not np.allclose(a[:, 4:], b[:, 4:], atol=1e-3)


def test_extra_input_padding_does_not_change_outputs():
    model = small_model()
    features = batch()
    padded = tf.pad(features["inputs"], [[0, 0], [0, 5]])
    a = model(features).numpy()
    b = model({"inputs": padded, "targets": features["targets"]}).numpy()
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_dropout_only_in_training():
    model = small_model()
    features = batch()
    np.testing.assert_array_equal(model(features).numpy(), model(features, training=False).numpy())
    assert not np.allclose(model(features, training=True), model(features, training=False))


def test_cached_decode_steps_equal_full_decoder():
    model = small_model()
    features = batch()
    full = model(features).numpy()
    encoder_output, memory_bias = model.encode(features["inputs"])
    memory = model.decode_memory(encoder_output, memory_bias)
    cache = model.init_decode_cache(3, max_length=8)
    decoder_input = np.pad(features["targets"].numpy(), [[0, 0], [1, 0]])[:, :-1]
    steps = []
    for i in range(decoder_input.shape[1]):
        logits, cache = model.decode_step(decoder_input[:, i : i + 1], i, cache, memory)
        steps.append(logits.numpy())
    np.testing.assert_allclose(np.stack(steps, 1), full, atol=1e-4)


def test_embedding_sharing_options():
    def embedding_weights(model):
        model(batch())
        return [w for w in model.weights if "embedding" in w.path or "softmax" in w.path]

    assert len(embedding_weights(small_model())) == 2  # input + (target = softmax)
    assert len(embedding_weights(small_model(shared_embedding_and_softmax_weights=False))) == 3
    assert len(embedding_weights(small_model(shared_embedding=True))) == 1
    with pytest.raises(ValueError, match="shared_embedding needs equal vocab sizes"):
        small_model(shared_embedding=True, target_vocab_size=9)


def test_embeddings_are_scaled_and_zero_at_padding():
    model = small_model()
    model.build()
    ids = tf.constant([[3, 0]])
    got = model.input_embedding(ids).numpy()
    np.testing.assert_allclose(
        got[0, 0], model.input_embedding.embeddings.numpy()[3] * 32**0.5, rtol=1e-6
    )
    np.testing.assert_array_equal(got[0, 1], 0.0)


def test_from_hparams_builds_transformer_tiny():
    hparams = get_hparams("transformer_tiny")
    model = Transformer.from_hparams(hparams, 100, 100)
    model.build()
    assert (model.hidden_size, model.filter_size, model.attention) == (
        128,
        512,
        AttentionSpec(4, dropout=0.1),
    )
    assert len(model.encoder.layers) == len(model.decoder.layers) == 2
    assert model.layer_prepostprocess_dropout == 0.1
    qkv = model.encoder.layers[0].self_attention.qkv_kernel
    assert tuple(qkv.shape) == (128, 384)


def test_target_space_embedding_is_added_to_every_input_position():
    # Reference: a model without the table whose input embeddings carry the row instead
    # (T2T adds it at padding too, which the attention bias masks either way).
    with_space = small_model(target_space_id=3)
    with_space.build()
    plain = small_model()
    plain.build()
    source = {v.path.split("/", 1)[1]: v for v in with_space.weights}
    for variable in plain.weights:
        variable.assign(source[variable.path.split("/", 1)[1]])
    row = with_space.target_space_embedding.embeddings.numpy()[3]
    embeddings = with_space.input_embedding.embeddings.numpy()
    plain.input_embedding.embeddings.assign(embeddings + row / 32**0.5)
    features = batch()
    inputs = features["inputs"]
    got, _ = with_space.encode(inputs)
    expected, _ = plain.encode(inputs)
    not_pad = inputs.numpy() != 0
    np.testing.assert_allclose(got.numpy()[not_pad], expected.numpy()[not_pad], atol=1e-5)
    assert with_space.get_config()["target_space_id"] == 3
    with pytest.raises(ValueError, match="target_space_id=32 is outside 0..31"):
        small_model(target_space_id=32)


def test_attention_channels_and_embedding_mode_come_from_hparams():
    hparams = get_hparams(
        "transformer_tiny",
        "attention_key_channels=64,attention_value_channels=32,multiply_embedding_mode=none",
    )
    model = Transformer.from_hparams(hparams, 100, 100)
    model.build()
    qkv = model.encoder.layers[0].self_attention.qkv_kernel
    assert tuple(qkv.shape) == (128, 64 + 64 + 32)
    ids = tf.constant([[3]])
    np.testing.assert_allclose(
        model.input_embedding(ids).numpy()[0, 0], model.input_embedding.embeddings.numpy()[3]
    )
    hparams.multiply_embedding_mode = "rsqrt_depth"
    with pytest.raises(ValueError, match="multiply_embedding_mode='rsqrt_depth'"):
        Transformer.from_hparams(hparams, 100, 100)


def test_save_and_load_give_identical_outputs(tmp_path):
    model = small_model(shared_embedding_and_softmax_weights=False)
    model.compile(optimizer="adam", loss=PaddedCrossEntropy(0.1))
    features = batch()
    model(features)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, Transformer)
    other = batch(seed=5, in_len=4, out_len=9)
    np.testing.assert_array_equal(loaded(other).numpy(), model(other).numpy())
    assert loaded.get_config() == model.get_config()


def test_learns_a_fixed_batch():
    # Copy task on one fixed batch: a few hundred steps must drive the loss near zero.
    rng = np.random.default_rng(3)
    ids = rng.integers(2, VOCAB, size=(8, 6))
    ids[:, -1] = 1
    features = {"inputs": tf.constant(ids), "targets": tf.constant(ids)}
    model = small_model(
        layer_prepostprocess_dropout=0.0, attention=AttentionSpec(4), relu_dropout=0.0
    )
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3),
        loss=PaddedCrossEntropy(label_smoothing=0.0),
        jit_compile=False,  # XLA's compile time on CPU would dominate this short run
    )
    initial = float(padded_cross_entropy(features["targets"], model(features), 0.0))
    steps = tf.data.Dataset.from_tensors((features, features["targets"])).repeat(300)
    history = model.fit(steps, epochs=1, verbose=0)
    final = float(padded_cross_entropy(features["targets"], model(features), 0.0))
    assert initial > 2.0
    assert final < 0.05, history.history["loss"][-5:]


def run_python(code, **env):
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **env}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment
    )


def test_import_prints_nothing_and_sets_nothing_global():
    code = (
        "import os, keras\n"
        "env = dict(os.environ); policy = keras.config.dtype_policy().name\n"
        "import t2t_lite, t2t_lite.layers, t2t_lite.models, t2t_lite.hparams\n"
        "assert dict(os.environ) == env, set(os.environ.items()) ^ set(env.items())\n"
        "assert keras.config.dtype_policy().name == policy\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_precision_keeps_weights_and_logits_in_float32(policy):
    model = small_model(dtype=policy)
    features = batch()
    logits = model(features, training=True)
    assert logits.dtype == tf.float32
    assert all(w.dtype == "float32" for w in model.weights)
    assert model.encoder.layers[0].self_attention.compute_dtype == policy.split("_")[1]
    loss = padded_cross_entropy(features["targets"], logits, 0.1)
    assert np.isfinite(loss.numpy())
    # Close to the float32 model with the same weights.
    reference = small_model()
    reference(features)
    reference.set_weights(model.get_weights())
    np.testing.assert_allclose(model(features).numpy(), reference(features).numpy(), atol=0.15)
