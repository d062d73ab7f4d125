"""Position-wise feed-forward block: T2T's `dense_relu_dense` (or GELU, the Vision
Transformer's)."""

import keras

ACTIVATIONS = ("relu", "gelu")


@keras.saving.register_keras_serializable(package="t2t_lite")
class FeedForward(keras.layers.Layer):
    """`dense(relu(dense(x)))` with dropout between the two, as T2T's `dense_relu_dense`
    (`activation="gelu"`: the Vision Transformer's MLP block).

    Call arguments:
      inputs: `[batch, length, depth]`.
      training: whether dropout is active.

    Returns:
      `[batch, length, output_depth]` (`output_depth` defaults to `depth`).

    Args:
      filter_size: width of the hidden layer.
      output_depth: depth of the output; defaults to the input depth.
      dropout: dropout rate on the hidden activations (T2T's `relu_dropout`).
      kernel_initializer: initializer of both kernels.
      activation: of the hidden layer, "relu" (T2T's) or "gelu" (exact, as Keras').
    """

    def __init__(
        self,
        filter_size: int,
        output_depth: int | None = None,
        dropout: float = 0.0,
        kernel_initializer="glorot_uniform",
        activation: str = "relu",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if activation not in ACTIVATIONS:
            raise ValueError(f"FeedForward activation {activation!r}: use relu or gelu")
        self.activation = activation
        self.filter_size = filter_size
        self.output_depth = output_depth
        self.dropout = dropout
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.filter_dense = keras.layers.Dense(
            filter_size,
            activation=activation,
            kernel_initializer=self.kernel_initializer,
            dtype=self.dtype_policy,
            name="filter",
        )
        self.dropout_layer = keras.layers.Dropout(dropout, dtype=self.dtype_policy)

    def build(self, input_shape):
        depth = self.output_depth or input_shape[-1]
        self.output_dense = keras.layers.Dense(
            depth,
            kernel_initializer=self.kernel_initializer,
            dtype=self.dtype_policy,
            name="output",
        )
        self.filter_dense.build(input_shape)
        self.output_dense.build(tuple(input_shape[:-1]) + (self.filter_size,))
        self.built = True

    def call(self, inputs, training=None):
        hidden = self.dropout_layer(self.filter_dense(inputs), training=training)
        return self.output_dense(hidden)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.output_depth or input_shape[-1],)

    def get_config(self):
        config = super().get_config()
        config.update(
            filter_size=self.filter_size,
            output_depth=self.output_depth,
            dropout=self.dropout,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            activation=self.activation,
        )
        return config
