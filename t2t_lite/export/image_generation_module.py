"""The served text-to-image model (DALL-E's structure): captions in, PNG images out, with
the caption's encoding, the sampled search and the PNG encoding in the graph.

Signature serving_default: inputs tf.string [batch] captions -> outputs tf.string
[batch] PNG bytes (with several samples per caption: [batch, samples]), grey levels
scaled to 0..255 at the data's own size; scores as the text model's.
"""

import tensorflow as tf

from t2t_lite.export.serving_module import TextGenerationModule


class ImageGenerationModule(TextGenerationModule):
    """A `TextGenerationModule` whose outputs are images.

    Args:
      model, vocabulary, max_length, strategy: as `TextGenerationModule`'s; the
        strategy's `extra_length` is the image's pixel count.
      image_shape: `(height, width)` of the images (raster order of the ids).
      image_vocab_start, image_vocab_size: the image ids (grey levels from 0).
    """

    def __init__(
        self,
        model,
        vocabulary: dict,
        max_length: int,
        strategy,
        image_shape: tuple[int, int],
        image_vocab_start: int,
        image_vocab_size: int,
    ):
        super().__init__(model, vocabulary, max_length, strategy)
        self.image_shape = tuple(image_shape)
        self.image_vocab_start = image_vocab_start
        self.image_vocab_size = image_vocab_size

    def _png(self, ids: tf.Tensor) -> tf.Tensor:
        """`[rows, pixels]` ids -> `[rows]` PNG bytes."""
        height, width = self.image_shape
        levels = tf.clip_by_value(
            tf.cast(ids[:, : height * width], tf.int32) - self.image_vocab_start,
            0,
            self.image_vocab_size - 1,
        )
        scale = 255.0 / (self.image_vocab_size - 1)
        pixels = tf.cast(tf.round(tf.cast(levels, tf.float32) * scale), tf.uint8)
        pixels = tf.reshape(pixels, [-1, height, width, 1])
        return tf.map_fn(tf.io.encode_png, pixels, fn_output_signature=tf.string)

    def _refuse_long(self, captions: tf.RaggedTensor) -> tf.RaggedTensor:
        """As t2t-decoder refuses the line: pixels past max_length were never trained."""
        pixels = self.image_shape[0] * self.image_shape[1]
        fits = tf.debugging.Assert(
            tf.reduce_all(captions.row_lengths() + pixels <= self.max_length),
            [
                "a caption too long for the model: its ids (start-of-image included) and "
                f"the image's {pixels} must fit max_length={self.max_length}; caption ids:",
                captions.row_lengths(),
            ],
        )
        with tf.control_dependencies([fits]):
            return tf.identity(captions)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="inputs")])
    def serve_text(self, inputs):
        captions = self.input_vocabulary.tf_encode(inputs)
        if self.max_length:
            captions = self._refuse_long(captions)
        ids = self._prepare(captions)
        out_ids, scores = self._search(ids)
        if self.strategy.return_beams:
            shape = tf.shape(out_ids)
            images = tf.reshape(self._png(tf.reshape(out_ids, [-1, shape[2]])), shape[:2])
        else:
            images = self._png(out_ids)
        return {"outputs": images, "scores": scores}
