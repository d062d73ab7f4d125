"""What the encoder and decoder share: the pre-norm residual block and the layer stack."""

import keras

from t2t_lite.layers.attention_spec import AttentionSpec
from t2t_lite.layers.feed_forward import FeedForward
from t2t_lite.layers.multi_head_attention import MultiHeadAttention


class PreNormLayerBase(keras.layers.Layer):
    """Base of `EncoderLayer` and `DecoderLayer`: self-attention and feed-forward blocks,
    each applied as T2T's `layer_preprocess_sequence="n"`, `layer_postprocess_sequence="da"`:
    `x + dropout(f(LayerNorm(x)))`.

    Args:
      attention: an `AttentionSpec` (or its config dict) for every attention block.
      filter_size: width of the feed-forward hidden layer.
      relu_dropout: dropout inside the feed-forward block.
      dropout: dropout on each block's output before the residual sum
        (T2T's `layer_prepostprocess_dropout`).
      norm_epsilon: LayerNormalization epsilon.
      kernel_initializer: initializer of every kernel.
      activation: of the feed-forward hidden layer, "relu" (T2T's) or "gelu" (ViT's).
    """

    def __init__(
        self,
        attention: AttentionSpec | dict,
        filter_size: int,
        relu_dropout: float = 0.0,
        dropout: float = 0.0,
        norm_epsilon: float = 1e-6,
        kernel_initializer="glorot_uniform",
        activation: str = "relu",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.activation = activation
        self.attention = AttentionSpec.coerce(attention)
        self.filter_size = filter_size
        self.relu_dropout = relu_dropout
        self.dropout = dropout
        self.norm_epsilon = norm_epsilon
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.self_attention_norm = self._layer_norm("self_attention_norm")
        self.self_attention = self._attention(self_attention=True, name="self_attention")
        self.feed_forward_norm = self._layer_norm("feed_forward_norm")
        self.feed_forward = FeedForward(
            filter_size,
            dropout=relu_dropout,
            kernel_initializer=self.kernel_initializer,
            activation=activation,
            dtype=self.dtype_policy,
            name="feed_forward",
        )
        self.dropout_layer = keras.layers.Dropout(dropout, dtype=self.dtype_policy)

    def _layer_norm(self, name: str) -> keras.layers.Layer:
        return keras.layers.LayerNormalization(
            epsilon=self.norm_epsilon, dtype=self.dtype_policy, name=name
        )

    def _attention(self, self_attention: bool, name: str) -> MultiHeadAttention:
        return MultiHeadAttention.from_spec(
            self.attention,
            self_attention=self_attention,
            kernel_initializer=self.kernel_initializer,
            dtype=self.dtype_policy,
            name=name,
        )

    def build(self, inputs_shape):
        for layer in (
            self.self_attention_norm,
            self.self_attention,
            self.feed_forward_norm,
            self.feed_forward,
        ):
            layer.build(inputs_shape)
        self.built = True

    def _add_residual(self, x, block_output, training):
        return x + self.dropout_layer(block_output, training=training)

    def _feed_forward_block(self, x, training):
        y = self.feed_forward(self.feed_forward_norm(x), training=training)
        return self._add_residual(x, y, training)

    def compute_output_shape(self, inputs_shape, *args, **kwargs):
        return inputs_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            attention=self.attention.get_config(),
            filter_size=self.filter_size,
            relu_dropout=self.relu_dropout,
            dropout=self.dropout,
            norm_epsilon=self.norm_epsilon,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            activation=self.activation,
        )
        return config


class LayerStackBase(keras.layers.Layer):
    """Base of `TransformerEncoder` and `TransformerDecoder`: `num_layers` layers of
    `layer_class` and a final LayerNorm (pre-norm stacks end with one).

    Args:
      num_layers: number of layers.
      attention, filter_size, relu_dropout, dropout, norm_epsilon, kernel_initializer,
        activation: passed to every layer (see `PreNormLayerBase`).
    """

    layer_class: type = PreNormLayerBase

    def __init__(
        self,
        num_layers: int,
        attention: AttentionSpec | dict,
        filter_size: int,
        relu_dropout: float = 0.0,
        dropout: float = 0.0,
        norm_epsilon: float = 1e-6,
        kernel_initializer="glorot_uniform",
        activation: str = "relu",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_layers = num_layers
        self.layer_kwargs = dict(
            attention=AttentionSpec.coerce(attention).get_config(),
            filter_size=filter_size,
            relu_dropout=relu_dropout,
            dropout=dropout,
            norm_epsilon=norm_epsilon,
            kernel_initializer=keras.initializers.serialize(
                keras.initializers.get(kernel_initializer)
            ),
            activation=activation,
        )
        self.layers = [self._make_layer(i) for i in range(num_layers)]
        self.output_norm = keras.layers.LayerNormalization(
            epsilon=norm_epsilon, dtype=self.dtype_policy, name="output_norm"
        )

    def _make_layer(self, index: int) -> keras.layers.Layer:
        return self.layer_class(**self.layer_kwargs, dtype=self.dtype_policy, name=f"layer_{index}")

    def build(self, inputs_shape, *args, **kwargs):
        for layer in self.layers:
            layer.build(inputs_shape)
        self.output_norm.build(inputs_shape)
        self.built = True

    def compute_output_shape(self, inputs_shape, *args, **kwargs):
        return inputs_shape

    def get_config(self):
        config = super().get_config()
        config.update(num_layers=self.num_layers, **self.layer_kwargs)
        return config
