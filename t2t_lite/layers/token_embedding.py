"""Token embedding that can also project hidden states back to vocabulary logits."""

import keras
from keras import ops

from t2t_lite.ids import PAD_ID
from t2t_lite.layers.last_axis_matmul import last_axis_matmul


@keras.saving.register_keras_serializable(package="t2t_lite")
class TokenEmbedding(keras.layers.Layer):
    """T2T's symbol modality: embeddings scaled by `sqrt(hidden_size)`, zero at padding,
    and the transposed matrix as the softmax layer when weights are shared.

    Call arguments:
      inputs: `[batch, length]` integer ids when `reverse=False`; hidden states
        `[batch, length, hidden_size]` when `reverse=True`.
      reverse: if True, return logits `inputs @ embeddings^T`.

    Returns:
      `[batch, length, hidden_size]` embeddings, or `[batch, length, vocab_size]` logits.

    Args:
      vocab_size: number of ids.
      hidden_size: embedding depth.
      pad_id: id whose embedding is zeroed on the way in.
      scale_by_sqrt_depth: multiply embeddings by `hidden_size ** 0.5` (T2T's
        `multiply_embedding_mode="sqrt_depth"`).
    """

    def __init__(
        self,
        vocab_size: int,
        hidden_size: int,
        pad_id: int = PAD_ID,
        scale_by_sqrt_depth: bool = True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.pad_id = pad_id
        self.scale_by_sqrt_depth = scale_by_sqrt_depth

    def build(self, inputs_shape=None):
        self.embeddings = self.add_weight(
            name="embeddings",
            shape=(self.vocab_size, self.hidden_size),
            initializer=keras.initializers.RandomNormal(stddev=self.hidden_size**-0.5),
        )
        self.built = True

    def call(self, inputs, reverse=False):
        embeddings = ops.cast(self.embeddings, self.compute_dtype)
        if reverse:
            return last_axis_matmul(inputs, embeddings, transpose_kernel=True)
        x = ops.take(embeddings, inputs, axis=0)
        if self.scale_by_sqrt_depth:
            x *= ops.cast(self.hidden_size**0.5, x.dtype)
        not_pad = ops.cast(ops.not_equal(inputs, self.pad_id), x.dtype)
        return x * not_pad[..., None]

    # No `compute_output_shape`: Keras requires its arguments to be shapes, and `reverse`
    # is not; the symbolic call (functional models) infers the shape from `call`.

    def get_config(self):
        config = super().get_config()
        config.update(
            vocab_size=self.vocab_size,
            hidden_size=self.hidden_size,
            pad_id=self.pad_id,
            scale_by_sqrt_depth=self.scale_by_sqrt_depth,
        )
        return config
