"""The encoder-only family's shared half: a pre-norm `TransformerEncoder` over embedded
positions, pooled into one vector (a class token's output, or the mean over the real
positions), then a linear head over the classes. The Vision Transformer embeds patches;
the text classifier embeds ids."""

from typing import TYPE_CHECKING

import keras
from keras import ops

from t2t_lite.errors import HParamsError
from t2t_lite.ids import PAD_ID
from t2t_lite.layers import (
    AddTimingSignal,
    AttentionSpec,
    ClassToken,
    PositionEmbedding,
    TransformerEncoder,
    padding_bias,
)
from t2t_lite.models.model_interface import T2TModel
from t2t_lite.models.transformer_family import initializer_from_hparams

if TYPE_CHECKING:
    from t2t_lite.hparams import HParams

POOLINGS = ("class_token", "mean")
# T2T's `pos`: "emb" learns a vector per position, "timing" adds the sinusoidal signal,
# "none" adds nothing (relative attention's sets: T2T's null).
CLASSIFIER_POSITIONS = ("emb", "timing", "none")


def _choice(hparams: "HParams", name: str, allowed: tuple, default: str) -> str:
    value = getattr(hparams, name) if name in hparams else default
    if value is None:  # T2T's null, as `transformer_relative` sets `pos`
        value = "none"
    if value not in allowed:
        raise HParamsError(
            f"hparams.{name}={value!r} is not supported by the encoder-only models; use "
            + " or ".join(allowed)
        )
    return value


def classifier_kwargs_from_hparams(hparams: "HParams") -> dict:
    """The `EncoderClassifier` arguments T2T-style hparams give: the encoder's widths,
    dropouts and initializer, `pooling`, `pos` and `ffn_activation`; the classes are
    the run's target vocabulary (the class labels)."""
    return dict(
        num_classes=hparams.target_vocab_size,
        hidden_size=hparams.hidden_size,
        filter_size=hparams.filter_size,
        num_layers=hparams.num_encoder_layers or hparams.num_hidden_layers,
        attention=AttentionSpec.from_hparams(hparams),
        relu_dropout=hparams.relu_dropout,
        dropout=hparams.layer_prepostprocess_dropout,
        norm_epsilon=hparams.norm_epsilon,
        kernel_initializer=initializer_from_hparams(hparams),
        pooling=_choice(hparams, "pooling", POOLINGS, "mean"),
        position=_choice(hparams, "pos", CLASSIFIER_POSITIONS, "timing"),
        activation=_choice(hparams, "ffn_activation", ("relu", "gelu"), "relu"),
    )


class EncoderClassifier(T2TModel):
    """Base of the encoder-only classifiers (`task = "classification"`).

    Subclasses implement `_embed(features, training)` -> `(x [batch, length,
    hidden_size], ids [batch, length] or None)`, where the ids' pad positions are
    masked in attention and left out of mean pooling (None: every position counts).

    Call: `model(features)` -> float32 logits `[batch, num_classes]`. The loss counts
    each example once (`loss_labels`: the `targets` class ids `[batch]`).

    Args:
      sequence_length: the most positions `_embed` gives (the class token excluded).
      num_classes: the classes the head scores.
      hidden_size, filter_size, num_layers: the encoder's widths and depth.
      attention: an `AttentionSpec` (or its config dict) for every self-attention layer.
      relu_dropout, dropout: the feed-forward dropout and T2T's
        `layer_prepostprocess_dropout` (also applied to the embedded input).
      norm_epsilon: LayerNormalization epsilon.
      kernel_initializer: initializer of the kernels.
      pooling: "class_token" (a learned token first; its output is pooled) or "mean"
        (the mean over the positions that are not padding).
      position: "emb" (learned position embeddings, the ViT paper's), "timing"
        (T2T's sinusoidal signal) or "none" (for relative attention).
      activation: the feed-forward activation, "relu" or "gelu".
    """

    task = "classification"

    def __init__(
        self,
        sequence_length: int,
        num_classes: int,
        hidden_size: int = 768,
        filter_size: int = 3072,
        num_layers: int = 12,
        attention: AttentionSpec | dict | None = None,
        relu_dropout: float = 0.0,
        dropout: float = 0.0,
        norm_epsilon: float = 1e-6,
        kernel_initializer="glorot_uniform",
        pooling: str = "class_token",
        position: str = "emb",
        activation: str = "gelu",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if pooling not in POOLINGS:
            raise ValueError(f"pooling={pooling!r}: use " + " or ".join(POOLINGS))
        if position not in CLASSIFIER_POSITIONS:
            raise ValueError(f"position={position!r}: use " + " or ".join(CLASSIFIER_POSITIONS))
        self.sequence_length = sequence_length
        self.num_classes = num_classes
        self.hidden_size = hidden_size
        self.filter_size = filter_size
        self.num_layers = num_layers
        self.attention = AttentionSpec.coerce(attention or AttentionSpec(num_heads=12))
        self.relu_dropout = relu_dropout
        self.dropout = dropout
        self.norm_epsilon = norm_epsilon
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.pooling = pooling
        self.position = position
        self.activation = activation
        policy = self.dtype_policy
        self.class_token = ClassToken(dtype=policy, name="class_token")
        extra = 1 if pooling == "class_token" else 0
        self.position_signal = None
        if position == "emb":
            self.position_signal = PositionEmbedding(
                sequence_length + extra, dtype=policy, name="position"
            )
        elif position == "timing":
            self.position_signal = AddTimingSignal(dtype=policy, name="timing_signal")
        self.input_dropout = keras.layers.Dropout(dropout, dtype=policy)
        self.encoder = TransformerEncoder(
            num_layers,
            attention=self.attention,
            filter_size=filter_size,
            relu_dropout=relu_dropout,
            dropout=dropout,
            norm_epsilon=norm_epsilon,
            kernel_initializer=self.kernel_initializer,
            activation=activation,
            dtype=policy,
            name="encoder",
        )
        self.head = keras.layers.Dense(
            num_classes, kernel_initializer="zeros", dtype=policy, name="head"
        )

    def build(self, input_shape=None):
        sequence = (None, self.sequence_length, self.hidden_size)
        if self.pooling == "class_token":
            self.class_token.build(sequence)
            sequence = (None, self.sequence_length + 1, self.hidden_size)
        if self.position_signal is not None:
            self.position_signal.build(sequence)
        self.encoder.build(sequence)
        self.head.build((None, self.hidden_size))
        self.built = True

    def call(self, features, training=None):
        x, ids = self._embed(features, training=training)
        if self.pooling == "class_token":
            x = self.class_token(x)
            if ids is not None:  # the class token is never padding
                ids = ops.pad(ids, [[0, 0], [1, 0]], constant_values=PAD_ID + 1)
        bias = None if ids is None else padding_bias(ids, dtype=x.dtype)
        if self.position_signal is not None:
            x = self.position_signal(x)
        x = self.input_dropout(x, training=training)
        x = self.encoder(x, bias=bias, training=training)
        if self.pooling == "class_token":
            pooled = x[:, 0]
        elif ids is None:
            pooled = ops.mean(x, axis=1)
        else:
            weights = ops.cast(ops.not_equal(ids, PAD_ID), x.dtype)[:, :, None]
            pooled = ops.sum(x * weights, axis=1) / ops.maximum(ops.sum(weights, axis=1), 1.0)
        return ops.cast(self.head(pooled), "float32")

    def loss_labels(self, features: dict) -> tuple:
        """The class ids `[batch]`, each example counted once. A label feature comes as
        `[batch]` or `[batch, n]`: n > 1 where static shapes (`--xla`, TPU) pad it to
        its bucket's length, so only the first column is the class."""
        labels = ops.cast(features["targets"], "int32")
        if len(labels.shape) == 2:
            labels = labels[:, 0]
        return labels, ops.ones(ops.shape(labels), "float32")

    def get_config(self):
        config = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
        }
        for name in (
            "num_classes",
            "hidden_size",
            "filter_size",
            "num_layers",
            "relu_dropout",
            "dropout",
            "norm_epsilon",
            "pooling",
            "position",
            "activation",
        ):
            config[name] = getattr(self, name)
        config["attention"] = self.attention.get_config()
        config["kernel_initializer"] = keras.initializers.serialize(self.kernel_initializer)
        return config
