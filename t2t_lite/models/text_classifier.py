"""T2T's `transformer_encoder` on a text-to-class problem: ids embedded as the
Transformer embeds them, the encoder alone, mean-pooled over the real positions (T2T's
`class_label_top` averages padding too; see docs/migrating_from_t2t.md), classified."""

from typing import TYPE_CHECKING

import keras

from t2t_lite.layers import TokenEmbedding
from t2t_lite.models.encoder_classifier import EncoderClassifier, classifier_kwargs_from_hparams
from t2t_lite.models.model_interface import FeatureSpec
from t2t_lite.models.registry import register_model
from t2t_lite.models.transformer_family import scale_embeddings_from_hparams

if TYPE_CHECKING:
    from t2t_lite.hparams import HParams


@register_model("transformer_encoder")
@keras.saving.register_keras_serializable(package="t2t_lite")
class TextClassifier(EncoderClassifier):
    """A text classifier: `TokenEmbedding` (0 = pad), T2T's timing signal (or learned
    positions), the pre-norm `TransformerEncoder`, mean pooling over non-pad positions
    (or a class token), a linear head.

    Call arguments:
      features: `{"inputs": [batch, length]}` int ids (0-padded, ending in EOS), or the
        ids alone.
      training: whether dropout is active.

    Returns:
      float32 logits `[batch, num_classes]`.

    Args:
      vocab_size: the input vocabulary's size.
      max_length: the most ids an input has (learned positions need it).
      scale_embeddings: multiply embeddings by `sqrt(hidden_size)` (T2T's).
      The rest: those of `EncoderClassifier`; here pooling defaults to "mean", position
      to "timing" and activation to "relu", as T2T's `transformer_encoder`.
    """

    def __init__(
        self,
        vocab_size: int,
        max_length: int = 256,
        scale_embeddings: bool = True,
        pooling: str = "mean",
        position: str = "timing",
        activation: str = "relu",
        **kwargs,
    ):
        super().__init__(
            sequence_length=max_length,
            pooling=pooling,
            position=position,
            activation=activation,
            **kwargs,
        )
        self.vocab_size = vocab_size
        self.max_length = max_length
        self.scale_embeddings = scale_embeddings
        self.embedding = TokenEmbedding(
            vocab_size,
            self.hidden_size,
            scale_by_sqrt_depth=scale_embeddings,
            dtype=self.dtype_policy,
            name="input_embedding",
        )

    @classmethod
    def feature_spec(cls, hparams: "HParams") -> dict[str, FeatureSpec]:
        return {
            "inputs": FeatureSpec(vocabulary="inputs"),
            "targets": FeatureSpec(kind="label", vocabulary="targets"),
        }

    @classmethod
    def from_run_hparams(cls, hparams: "HParams", **kwargs) -> "TextClassifier":
        return cls(
            vocab_size=hparams.input_vocab_size,
            max_length=hparams.max_length,
            scale_embeddings=scale_embeddings_from_hparams(hparams),
            **classifier_kwargs_from_hparams(hparams),
            **kwargs,
        )

    def build(self, input_shape=None):
        if not self.embedding.built:
            self.embedding.build()
        super().build(input_shape)

    def _embed(self, features, training=None) -> tuple:
        ids = keras.ops.cast(
            features["inputs"] if isinstance(features, dict) else features, "int32"
        )
        return self.embedding(ids), ids

    def get_config(self):
        config = super().get_config()
        config.update(
            vocab_size=self.vocab_size,
            max_length=self.max_length,
            scale_embeddings=self.scale_embeddings,
        )
        return config
