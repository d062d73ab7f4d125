"""The Vision Transformer's patch embedding: non-overlapping patches, each projected."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="t2t_lite")
class PatchEmbedding(keras.layers.Layer):
    """Cuts images into `patch_size x patch_size` patches and projects each to
    `hidden_size`, as Dosovitskiy et al. (2021): one convolution whose kernel and stride
    are the patch size, its outputs read in raster order.

    Call arguments:
      images: `[batch, height, width, channels]` float; height and width multiples of
        `patch_size`.

    Returns:
      `[batch, (height // patch_size) * (width // patch_size), hidden_size]`.

    Args:
      patch_size: the side of a square patch, in pixels.
      hidden_size: the depth of each patch's embedding.
      kernel_initializer: initializer of the projection.
    """

    def __init__(
        self, patch_size: int, hidden_size: int, kernel_initializer="glorot_uniform", **kwargs
    ):
        super().__init__(**kwargs)
        self.patch_size = patch_size
        self.hidden_size = hidden_size
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.projection = keras.layers.Conv2D(
            hidden_size,
            kernel_size=patch_size,
            strides=patch_size,
            padding="valid",
            kernel_initializer=self.kernel_initializer,
            dtype=self.dtype_policy,
            name="projection",
        )

    def build(self, images_shape):
        height, width = images_shape[1], images_shape[2]
        for side, name in ((height, "height"), (width, "width")):
            if side is not None and side % self.patch_size:
                raise ValueError(
                    f"PatchEmbedding: image {name} {side} is not a multiple of patch_size "
                    f"{self.patch_size}"
                )
        self.projection.build(images_shape)
        self.built = True

    def call(self, images):
        patches = self.projection(images)
        shape = ops.shape(patches)
        return ops.reshape(patches, (shape[0], shape[1] * shape[2], self.hidden_size))

    def compute_output_shape(self, images_shape):
        height, width = images_shape[1], images_shape[2]
        count = None
        if height is not None and width is not None:
            count = (height // self.patch_size) * (width // self.patch_size)
        return (images_shape[0], count, self.hidden_size)

    def get_config(self):
        config = super().get_config()
        config.update(
            patch_size=self.patch_size,
            hidden_size=self.hidden_size,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
        )
        return config
