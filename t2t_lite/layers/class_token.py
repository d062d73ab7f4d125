"""The Vision Transformer's (and BERT's) learned class token, put before a sequence."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="t2t_lite")
class ClassToken(keras.layers.Layer):
    """Prepends one learned vector to every sequence of the batch; the encoder's output
    at that position then stands for the whole sequence (Dosovitskiy et al. 2021).

    Call arguments:
      inputs: `[batch, length, depth]`.

    Returns:
      `[batch, length + 1, depth]`, the class token first.

    Args:
      initializer: of the token (the paper's: zeros).
    """

    def __init__(self, initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        self.initializer = keras.initializers.get(initializer)

    def build(self, inputs_shape):
        self.token = self.add_weight(
            shape=(1, 1, inputs_shape[-1]), initializer=self.initializer, name="token"
        )
        self.built = True

    def call(self, inputs):
        batch = ops.shape(inputs)[0]
        token = ops.cast(
            ops.broadcast_to(self.token, (batch, 1, ops.shape(inputs)[-1])), inputs.dtype
        )
        return ops.concatenate([token, inputs], axis=1)

    def compute_output_shape(self, inputs_shape):
        length = inputs_shape[1]
        return (inputs_shape[0], None if length is None else length + 1, inputs_shape[2])

    def get_config(self):
        config = super().get_config()
        config.update(initializer=keras.initializers.serialize(self.initializer))
        return config
