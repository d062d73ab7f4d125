"""Learned position embeddings, added to a sequence (the Vision Transformer's; T2T's
`pos="emb"`)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="t2t_lite")
class PositionEmbedding(keras.layers.Layer):
    """Adds a learned vector per position: `inputs + table[:length]`.

    Call arguments:
      inputs: `[batch, length, depth]`, `length <= sequence_length`.

    Returns:
      `[batch, length, depth]`.

    Args:
      sequence_length: the most positions the table holds.
      initializer: of the table (the paper's: normal, stddev 0.02).
    """

    def __init__(
        self,
        sequence_length: int,
        initializer: keras.initializers.Initializer | str | dict | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.sequence_length = sequence_length
        self.initializer = keras.initializers.get(
            initializer or keras.initializers.RandomNormal(stddev=0.02)
        )

    def build(self, inputs_shape):
        length = inputs_shape[1]
        if length is not None and length > self.sequence_length:
            raise ValueError(
                f"PositionEmbedding: {length} positions, more than sequence_length "
                f"{self.sequence_length}"
            )
        self.table = self.add_weight(
            shape=(self.sequence_length, inputs_shape[-1]),
            initializer=self.initializer,
            name="table",
        )
        self.built = True

    def call(self, inputs):
        length = ops.shape(inputs)[1]
        return inputs + ops.cast(self.table[:length], inputs.dtype)[None]

    def compute_output_shape(self, inputs_shape):
        return inputs_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            sequence_length=self.sequence_length,
            initializer=keras.initializers.serialize(self.initializer),
        )
        return config
