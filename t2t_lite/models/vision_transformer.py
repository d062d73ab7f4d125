"""The Vision Transformer (Dosovitskiy et al. 2021): an image cut into patches, each
embedded, through the encoder alone, pooled, classified."""

from typing import TYPE_CHECKING

import keras

from t2t_lite.errors import HParamsError
from t2t_lite.layers import PatchEmbedding
from t2t_lite.models.encoder_classifier import EncoderClassifier, classifier_kwargs_from_hparams
from t2t_lite.models.model_interface import FeatureSpec
from t2t_lite.models.registry import register_model

if TYPE_CHECKING:
    from t2t_lite.hparams import HParams


@register_model("vision_transformer")
@keras.saving.register_keras_serializable(package="t2t_lite")
class VisionTransformer(EncoderClassifier):
    """ViT: `PatchEmbedding`, a `ClassToken` (or mean pooling), learned position
    embeddings (or T2T's timing signal), the pre-norm `TransformerEncoder` (GELU
    feed-forward by default, the paper's), and a linear head.

    Call arguments:
      features: images `[batch, image_size, image_size, num_channels]` float in [0, 1],
        or `{"inputs": images}`.
      training: whether dropout is active.

    Returns:
      float32 logits `[batch, num_classes]`.

    Args:
      image_size: the side of the square images, a multiple of `patch_size`.
      num_channels: 1 (grey) or 3 (RGB).
      patch_size: the side of a patch.
      The rest: those of `EncoderClassifier` (num_classes, hidden_size, filter_size,
      num_layers, attention, dropouts, pooling, position, activation).
    """

    def __init__(self, image_size: int, num_channels: int = 3, patch_size: int = 16, **kwargs):
        if image_size % patch_size:
            raise ValueError(
                f"image_size {image_size} is not a multiple of patch_size {patch_size}"
            )
        super().__init__(sequence_length=(image_size // patch_size) ** 2, **kwargs)
        self.image_size = image_size
        self.num_channels = num_channels
        self.patch_size = patch_size
        self.patch_embedding = PatchEmbedding(
            patch_size,
            self.hidden_size,
            kernel_initializer=self.kernel_initializer,
            dtype=self.dtype_policy,
            name="patch_embedding",
        )

    @classmethod
    def feature_spec(cls, hparams: "HParams") -> dict[str, FeatureSpec]:
        return {
            "inputs": FeatureSpec(kind="image", dtype="string", vocabulary=None),
            "targets": FeatureSpec(kind="label", vocabulary="targets"),
        }

    @classmethod
    def from_run_hparams(cls, hparams: "HParams", **kwargs) -> "VisionTransformer":
        missing = [n for n in ("image_size", "num_channels", "patch_size") if n not in hparams]
        if missing:
            raise HParamsError(
                f"--model=vision_transformer needs the hparams {', '.join(missing)}: use a "
                "vit_* set"
            )
        if hparams.patch_size <= 0 or hparams.image_size % hparams.patch_size:
            raise HParamsError(
                f"hparams.image_size={hparams.image_size} is not a multiple of "
                f"hparams.patch_size={hparams.patch_size}"
            )
        return cls(
            image_size=hparams.image_size,
            num_channels=hparams.num_channels,
            patch_size=hparams.patch_size,
            **classifier_kwargs_from_hparams(hparams),
            **kwargs,
        )

    def build(self, input_shape=None):
        self.patch_embedding.build((None, self.image_size, self.image_size, self.num_channels))
        super().build(input_shape)

    def _embed(self, features, training=None) -> tuple:
        images = features["inputs"] if isinstance(features, dict) else features
        return self.patch_embedding(keras.ops.cast(images, self.compute_dtype)), None

    def get_config(self):
        config = super().get_config()
        config.update(
            image_size=self.image_size, num_channels=self.num_channels, patch_size=self.patch_size
        )
        return config
