"""The encoder stack: `num_layers` `EncoderLayer`s and a final LayerNorm."""

import keras

from t2t_lite.layers.block_base import LayerStackBase
from t2t_lite.layers.encoder_layer import EncoderLayer


@keras.saving.register_keras_serializable(package="t2t_lite")
class TransformerEncoder(LayerStackBase):
    """T2T's `transformer_encoder` with pre-norm layers.

    Call arguments:
      inputs: embedded inputs with timing signal, `[batch, length, hidden_size]`.
      bias: self-attention bias, usually `padding_bias(input_ids)` `[batch, 1, 1, length]`.
      training: whether dropout is active.

    Returns:
      `[batch, length, hidden_size]`, normalised by the final LayerNorm.

    Args:
      num_layers: number of `EncoderLayer`s.
      attention, filter_size, relu_dropout, dropout, norm_epsilon, kernel_initializer:
        passed to every layer (see `PreNormLayerBase`).
    """

    layer_class = EncoderLayer

    def call(self, inputs, bias=None, training=None):
        x = inputs
        for layer in self.layers:
            x = layer(x, bias=bias, training=training)
        return self.output_norm(x)
