"""The Vision Transformer's layers and model against NumPy formulas and the paper's
parameter count: patch embedding, class token, learned positions, the GELU feed-forward,
class-token and mean pooling, and Keras serialization."""

import math

import keras
import numpy as np
import pytest

from t2t_lite.hparams import get_hparams
from t2t_lite.layers import (
    AttentionSpec,
    ClassToken,
    FeedForward,
    PatchEmbedding,
    PositionEmbedding,
    TransformerEncoder,
)
from t2t_lite.models import VisionTransformer

rng = np.random.default_rng(0)


def randomize(layer):
    for weight in layer.weights:
        weight.assign(rng.normal(scale=0.3, size=weight.shape).astype(np.float32))


def test_patch_embedding_projects_each_patch_in_raster_order():
    images = rng.normal(size=(2, 6, 4, 3)).astype(np.float32)
    layer = PatchEmbedding(2, 5)
    layer(images)
    randomize(layer)
    kernel = layer.projection.kernel.numpy()  # [2, 2, 3, 5]
    bias = layer.projection.bias.numpy()
    want = np.zeros((2, 6, 5), np.float32)
    for b in range(2):
        for row in range(3):
            for col in range(2):
                patch = images[b, 2 * row : 2 * row + 2, 2 * col : 2 * col + 2]  # [2, 2, 3]
                want[b, row * 2 + col] = np.einsum("ijc,ijcd->d", patch, kernel) + bias
    np.testing.assert_allclose(layer(images).numpy(), want, rtol=1e-5, atol=1e-5)


def test_patch_embedding_refuses_sides_that_are_not_multiples():
    with pytest.raises(ValueError, match="width 5 is not a multiple of patch_size 2"):
        PatchEmbedding(2, 4)(np.zeros((1, 4, 5, 1), np.float32))


def test_class_token_goes_first_and_positions_add_a_table():
    x = rng.normal(size=(2, 3, 4)).astype(np.float32)
    token = ClassToken()
    out = token(x).numpy()
    randomize(token)
    out = token(x).numpy()
    np.testing.assert_array_equal(out[:, 1:], x)
    np.testing.assert_array_equal(out[0, 0], token.token.numpy()[0, 0])
    np.testing.assert_array_equal(out[1, 0], token.token.numpy()[0, 0])
    positions = PositionEmbedding(5)
    positions(x)
    np.testing.assert_allclose(positions(x).numpy(), x + positions.table.numpy()[:3][None])
    with pytest.raises(ValueError, match="6 positions, more than sequence_length 5"):
        PositionEmbedding(5)(np.zeros((1, 6, 4), np.float32))


def test_gelu_feed_forward_is_the_exact_gelu():
    x = rng.normal(size=(2, 3, 8)).astype(np.float32)
    layer = FeedForward(16, activation="gelu")
    layer(x)
    randomize(layer)
    hidden = x @ layer.filter_dense.kernel.numpy() + layer.filter_dense.bias.numpy()
    erf = np.vectorize(math.erf)
    gelu = 0.5 * hidden * (1.0 + erf(hidden / math.sqrt(2.0)))
    want = gelu @ layer.output_dense.kernel.numpy() + layer.output_dense.bias.numpy()
    np.testing.assert_allclose(layer(x).numpy(), want, rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="use relu or gelu"):
        FeedForward(4, activation="swish")


LAYERS = [
    lambda: PatchEmbedding(2, 8),
    lambda: ClassToken(),
    lambda: PositionEmbedding(9),
    lambda: TransformerEncoder(2, {"num_heads": 2}, 12, activation="gelu"),
]


@pytest.mark.parametrize("make", LAYERS)
def test_layers_serialize_and_restore(make):
    layer = make()
    x = rng.normal(size=(2, 4, 4, 3) if isinstance(layer, PatchEmbedding) else (2, 3, 8))
    x = x.astype(np.float32)
    layer(x)
    randomize(layer)
    want = layer(x).numpy()
    config = keras.saving.serialize_keras_object(layer)
    clone = keras.saving.deserialize_keras_object(config)
    assert keras.saving.serialize_keras_object(clone) == config
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(x).numpy(), want, atol=1e-6)


def small_vit(**kwargs):
    settings = dict(
        image_size=8,
        num_channels=1,
        patch_size=2,
        num_classes=3,
        hidden_size=16,
        filter_size=24,
        num_layers=2,
        attention=AttentionSpec(num_heads=2),
    )
    model = VisionTransformer(**{**settings, **kwargs})
    model.build()
    randomize(model)
    return model


@pytest.mark.parametrize("pooling", ["class_token", "mean"])
def test_the_model_is_its_layers_composed(pooling):
    """The logits recomputed from the model's own layers in the paper's order."""
    model = small_vit(pooling=pooling)
    images = rng.uniform(size=(3, 8, 8, 1)).astype(np.float32)
    x = model.patch_embedding(images).numpy()
    if pooling == "class_token":
        x = np.concatenate([np.repeat(model.class_token.token.numpy(), 3, axis=0), x], axis=1)
    x = x + model.position_signal.table.numpy()[None]
    x = model.encoder(x).numpy()
    pooled = x[:, 0] if pooling == "class_token" else x.mean(axis=1)
    want = pooled @ model.head.kernel.numpy() + model.head.bias.numpy()
    np.testing.assert_allclose(model({"inputs": images}).numpy(), want, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(model(images).numpy(), want, rtol=1e-4, atol=1e-4)


def test_the_model_saves_and_loads(tmp_path):
    model = small_vit(position="timing", activation="relu")
    images = rng.uniform(size=(2, 8, 8, 1)).astype(np.float32)
    model.save(tmp_path / "vit.keras")
    loaded = keras.models.load_model(tmp_path / "vit.keras")
    assert isinstance(loaded, VisionTransformer)
    assert (loaded.position, loaded.activation) == ("timing", "relu")
    np.testing.assert_allclose(loaded(images).numpy(), model(images).numpy(), atol=1e-6)


def paper_parameter_count(hidden, mlp, layers, classes, patch=16, size=224, channels=3):
    """ViT's parameters, counted from its definition, without attention biases (T2T's
    attention has none; the paper's 86.6M for ViT-B/16 has 4 * hidden per layer more)."""
    patches = (size // patch) ** 2
    embedding = patch * patch * channels * hidden + hidden + hidden + (patches + 1) * hidden
    layer = 4 * hidden * hidden + 2 * 2 * hidden + hidden * mlp + mlp + mlp * hidden + hidden
    return embedding + layers * layer + 2 * hidden + hidden * classes + classes


@pytest.mark.parametrize(
    "name,hidden,mlp,heads,layers",
    [
        ("vit_ti16", 192, 768, 3, 12),
        ("vit_s16", 384, 1536, 6, 12),
        ("vit_b16", 768, 3072, 12, 12),
        ("vit_l16", 1024, 4096, 16, 24),
    ],
)
def test_hparams_sets_have_the_papers_dimensions(name, hidden, mlp, heads, layers):
    hparams = get_hparams(name)
    assert (hparams.hidden_size, hparams.filter_size) == (hidden, mlp)
    assert (hparams.num_heads, hparams.num_hidden_layers) == (heads, layers)
    assert (hparams.image_size, hparams.patch_size, hparams.num_channels) == (224, 16, 3)
    assert (hparams.pooling, hparams.pos, hparams.ffn_activation) == ("class_token", "emb", "gelu")


@pytest.mark.parametrize("name", ["vit_ti16", "vit_b16"])
def test_models_of_the_sets_have_the_papers_parameter_count(name):
    hparams = get_hparams(name)
    hparams.add("target_vocab_size", 1000)
    model = VisionTransformer.from_run_hparams(hparams)
    model.build()
    assert model.attention.num_heads == hparams.num_heads
    expected = paper_parameter_count(
        hparams.hidden_size, hparams.filter_size, hparams.num_hidden_layers, 1000
    )
    assert model.count_params() == expected
    if name == "vit_b16":
        # The paper's 86.6M (timm's count), less the attention biases: 12 layers * 4 * 768.
        assert model.count_params() + 12 * 4 * 768 == 86_567_656
