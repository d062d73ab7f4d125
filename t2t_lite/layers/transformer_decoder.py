"""The decoder stack: `num_layers` `DecoderLayer`s and a final LayerNorm, with a
per-layer key/value cache for decoding one position at a time (or a prompt at once)."""

import keras
from keras import ops

from t2t_lite.layers.attention_bias import causal_bias, causal_bias_rows
from t2t_lite.layers.block_base import LayerStackBase
from t2t_lite.layers.decoder_layer import DecoderLayer


@keras.saving.register_keras_serializable(package="t2t_lite")
class TransformerDecoder(LayerStackBase):
    """T2T's `transformer_decoder` with pre-norm layers and causal self-attention; with
    `memory_attention=False`, the decoder-only stack of a language model.

    Call arguments:
      inputs: embedded, right-shifted targets with timing signal,
        `[batch, length, hidden_size]`.
      memory: encoder output `[batch, length_m, hidden_size]` (may be omitted with a cache).
      memory_bias: encoder-decoder bias, usually `padding_bias(input_ids)`.
      cache: from `init_cache`; then `inputs` holds the positions starting at
        `decode_index` and the call returns `(output, updated_cache)`.
      memory_cache: from `memory_cache(memory)`: the encoder-decoder keys/values,
        computed once per decode (then `memory` may be omitted).
      decode_index: position of the first row of `inputs` (scalar int) with a cache.
      self_attention_bias: added to the causal bias of the self-attention, broadcastable
        to `[batch, heads, length, key_length]` (key_length: the cache's length with a
        cache); e.g. `[batch, 1, 1, key_length]` hiding the left padding of prompts.
      training: whether dropout is active.

    Returns:
      `[batch, length, hidden_size]`; with a cache, `(output, updated_cache)`.

    Args:
      num_layers: number of `DecoderLayer`s.
      attention, filter_size, relu_dropout, dropout, norm_epsilon, kernel_initializer:
        passed to every layer (see `PreNormLayerBase`).
      memory_attention: whether the layers attend to an encoder's output (default True).
    """

    layer_class = DecoderLayer

    def __init__(self, *args, memory_attention: bool = True, **kwargs):
        self.use_memory_attention = memory_attention
        super().__init__(*args, **kwargs)

    def _make_layer(self, index: int):
        return self.layer_class(
            **self.layer_kwargs,
            memory_attention=self.use_memory_attention,
            dtype=self.dtype_policy,
            name=f"layer_{index}",
        )

    def build(self, inputs_shape, memory_shape=None):
        for layer in self.layers:
            layer.build(inputs_shape, memory_shape)
        self.output_norm.build(inputs_shape)
        self.built = True

    def init_cache(self, batch_size, max_length: int) -> list:
        """Per-layer self-attention caches for decoding up to `max_length` positions."""
        return [layer.init_cache(batch_size, max_length) for layer in self.layers]

    def memory_cache(self, memory) -> list:
        """Per-layer encoder-decoder keys/values of encoder output `memory`."""
        return [layer.memory_cache(memory) for layer in self.layers]

    def call(
        self,
        inputs,
        memory=None,
        memory_bias=None,
        cache=None,
        memory_cache=None,
        decode_index=None,
        self_attention_bias=None,
        training=None,
    ):
        length = ops.shape(inputs)[1]
        if cache is None:
            self_bias = causal_bias(length)
        else:
            max_length = self.layers[0].cache_length(cache[0])
            self_bias = causal_bias_rows(decode_index, length, max_length)
        if self_attention_bias is not None:
            self_bias = self_bias + ops.cast(self_attention_bias, self_bias.dtype)
        x = inputs
        new_cache = []
        for i, layer in enumerate(self.layers):
            x = layer(
                x,
                memory=memory,
                self_bias=self_bias,
                memory_bias=memory_bias,
                cache=None if cache is None else cache[i],
                memory_cache=None if memory_cache is None else memory_cache[i],
                decode_index=decode_index,
                training=training,
            )
            if cache is not None:
                x, layer_cache = x
                new_cache.append(layer_cache)
        x = self.output_norm(x)
        if cache is not None:
            return x, new_cache
        return x

    def get_config(self):
        config = super().get_config()
        config.update(memory_attention=self.use_memory_attention)
        return config
