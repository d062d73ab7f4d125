"""Images as the models see them: one rule, in TensorFlow ops, that turns an encoded PNG
or JPEG of any size and channel count into a square float image, used by the input
pipeline and in the served graph alike; and the PNG files datagen writes."""

import numpy as np
import tensorflow as tf

from t2t_lite.errors import DataError, first_line
from t2t_lite.utils import file_system as fs

CHANNELS = (1, 3)


def check_channels(channels: int, what: str) -> None:
    if channels not in CHANNELS:
        raise DataError(f"{what}={channels}: images have 1 (grey) or 3 (RGB) channels")


def tf_decode_image(encoded: tf.Tensor, channels: int) -> tf.Tensor:
    """One encoded PNG, JPEG, GIF or BMP -> uint8 `[height, width, channels]`, grey made
    RGB or RGB made grey as `channels` asks (an alpha channel is dropped)."""
    image = tf.io.decode_image(encoded, channels=channels, expand_animations=False)
    image.set_shape([None, None, channels])
    return image


def tf_resize(image: tf.Tensor, image_size: int) -> tf.Tensor:
    """`[height, width, channels]` -> float32 `[image_size, image_size, channels]` in the
    image's own scale (bilinear, antialiased; unchanged at that size already)."""
    image = tf.cast(image, tf.float32)
    shape = tf.shape(image)
    same = tf.logical_and(tf.equal(shape[0], image_size), tf.equal(shape[1], image_size))
    resized = tf.cond(
        same,
        lambda: image,
        lambda: tf.image.resize(image, [image_size, image_size], antialias=True),
    )
    return tf.ensure_shape(resized, [image_size, image_size, image.shape[-1]])


def tf_model_image(encoded: tf.Tensor, image_size: int, channels: int) -> tf.Tensor:
    """One encoded image -> float32 `[image_size, image_size, channels]` in [0, 1]: what
    the image models take."""
    return tf_resize(tf_decode_image(encoded, channels), image_size) / 255.0


def tf_model_images(encoded: tf.Tensor, image_size: int, channels: int) -> tf.Tensor:
    """`[batch]` encoded images, each of its own size -> float32 `[batch, image_size,
    image_size, channels]`."""
    return tf.map_fn(
        lambda one: tf_model_image(one, image_size, channels),
        encoded,
        fn_output_signature=tf.TensorSpec([image_size, image_size, channels], tf.float32),
    )


def encode_png(pixels: np.ndarray) -> bytes:
    """uint8 `[height, width]` or `[height, width, channels]` -> PNG bytes."""
    if pixels.ndim == 2:
        pixels = pixels[:, :, np.newaxis]
    return tf.io.encode_png(tf.constant(pixels, tf.uint8)).numpy()


def read_image_file(path: str, channels: int, image_size: int = 0) -> bytes:
    """The PNG datagen stores for the image file at `path`: `channels` channels, resized
    to `image_size` square (0: its own size). An unreadable or undecodable file is a
    `DataError` naming it."""
    data = fs.read_bytes(path)
    try:
        # Decoders give 1 to 4 channels, each converted to `channels` (alpha dropped);
        # a wrong --channels is refused before any file is read (`check_channels`).
        image = tf_decode_image(data, channels)
    except tf.errors.OpError as error:
        raise DataError(f"{path}: not an image t2t_lite can decode ({first_line(error)})") from None
    if image_size:
        image = tf.cast(tf.clip_by_value(tf.round(tf_resize(image, image_size)), 0, 255), tf.uint8)
    return encode_png(image.numpy())
