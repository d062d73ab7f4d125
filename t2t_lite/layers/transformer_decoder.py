"""The decoder stack: `num_layers` `DecoderLayer`s and a final LayerNorm, with a
per-layer key/value cache for decoding one position at a time."""

import keras
import tensorflow as tf

from t2t_lite.layers.attention_bias import causal_bias, causal_bias_rows
from t2t_lite.layers.block_base import LayerStackBase
from t2t_lite.layers.decoder_layer import DecoderLayer


@keras.saving.register_keras_serializable(package="t2t_lite")
class TransformerDecoder(LayerStackBase):
    """T2T's `transformer_decoder` with pre-norm layers and causal self-attention.

    Call arguments:
      inputs: embedded, right-shifted targets with timing signal,
        `[batch, length, hidden_size]`.
      memory: encoder output `[batch, length_m, hidden_size]` (may be omitted with a cache).
      memory_bias: encoder-decoder bias, usually `padding_bias(input_ids)`.
      cache: from `init_cache`; then `inputs` holds the positions starting at
        `decode_index` and the call returns `(output, updated_cache)`.
      decode_index: position of the first row of `inputs` (scalar int) with a cache.
      training: whether dropout is active.

    Returns:
      `[batch, length, hidden_size]`; with a cache, `(output, updated_cache)`.

    Args:
      num_layers: number of `DecoderLayer`s.
      num_heads, filter_size, attention_dropout, relu_dropout, dropout, norm_epsilon,
      kernel_initializer: passed to every layer (see `PreNormLayerBase`).
    """

    layer_class = DecoderLayer

    def build(self, inputs_shape, memory_shape=None):
        for layer in self.layers:
            layer.build(inputs_shape, memory_shape)
        self.output_norm.build(inputs_shape)
        self.built = True

    def init_cache(self, memory: tf.Tensor, max_length: int) -> list:
        """Per-layer caches for decoding up to `max_length` positions against `memory`."""
        return [layer.init_cache(memory, max_length) for layer in self.layers]

    def call(
        self,
        inputs,
        memory=None,
        memory_bias=None,
        cache=None,
        decode_index=None,
        training=None,
    ):
        length = tf.shape(inputs)[1]
        if cache is None:
            self_bias = causal_bias(length)
        else:
            # Static when the cache was preallocated to a Python int, else dynamic.
            max_length = cache[0]["self"]["key"].shape[2] or tf.shape(cache[0]["self"]["key"])[2]
            self_bias = causal_bias_rows(decode_index, length, max_length)
        x = inputs
        new_cache = []
        for i, layer in enumerate(self.layers):
            kwargs = dict(memory=memory, self_bias=self_bias, memory_bias=memory_bias, training=training)
            if cache is None:
                x = layer(x, **kwargs)
            else:
                x, layer_cache = layer(x, cache=cache[i], decode_index=decode_index, **kwargs)
                new_cache.append(layer_cache)
        x = self.output_norm(x)
        if cache is not None:
            return x, new_cache
        return x
