"""One pre-norm Transformer encoder layer: self-attention, then feed-forward."""

import keras

from t2t_lite.layers.block_base import PreNormLayerBase


@keras.saving.register_keras_serializable(package="t2t_lite")
class EncoderLayer(PreNormLayerBase):
    """T2T encoder layer: `x + dropout(self_attention(LayerNorm(x)))`, then
    `x + dropout(feed_forward(LayerNorm(x)))`.

    Call arguments:
      inputs: `[batch, length, hidden_size]`.
      bias: self-attention bias broadcastable to `[batch, heads, length, length]`
        (usually `padding_bias(input_ids)`, `[batch, 1, 1, length]`).
      training: whether dropout is active.

    Returns:
      `[batch, length, hidden_size]`.

    Args: those of `PreNormLayerBase` (attention, filter_size, relu_dropout, dropout,
      norm_epsilon, kernel_initializer).
    """

    def call(self, inputs, bias=None, training=None):
        y = self.self_attention(self.self_attention_norm(inputs), bias=bias, training=training)
        x = self._add_residual(inputs, y, training)
        return self._feed_forward_block(x, training)
