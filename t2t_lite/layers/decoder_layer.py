"""One pre-norm Transformer decoder layer: causal self-attention, encoder-decoder
attention (optional: decoder-only models have none), then feed-forward."""

import keras

from t2t_lite.layers.block_base import PreNormLayerBase


@keras.saving.register_keras_serializable(package="t2t_lite")
class DecoderLayer(PreNormLayerBase):
    """T2T decoder layer: pre-norm residual blocks (self-attention, encoder-decoder
    attention, feed-forward), each `x + dropout(f(LayerNorm(x)))`. Without
    `memory_attention` (a decoder-only model, as T2T's `transformer` builds for a problem
    without inputs) the encoder-decoder block and its weights do not exist.

    Call arguments:
      inputs: `[batch, length, hidden_size]`.
      memory: encoder output `[batch, length_m, hidden_size]` (may be omitted when `cache`
        holds the encoder-decoder keys and values).
      self_bias: self-attention bias, e.g. `causal_bias(length)`.
      memory_bias: encoder-decoder bias, e.g. `padding_bias(input_ids)`.
      cache: the self-attention keys/values from `init_cache`, updated at `decode_index`.
      memory_cache: the encoder-decoder keys/values from `memory_cache(memory)`, to
        compute once per decode instead of once per step.
      decode_index: position of the first row of `inputs` when decoding with a cache.
      training: whether dropout is active.

    Returns:
      `[batch, length, hidden_size]`; with a cache, `(output, updated_cache)`.

    Args: those of `PreNormLayerBase` (attention, filter_size, relu_dropout, dropout,
      norm_epsilon, kernel_initializer), and
      memory_attention: whether the layer attends to an encoder's output (default True).
    """

    def __init__(self, *args, memory_attention: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.use_memory_attention = memory_attention
        if memory_attention:
            self.memory_attention_norm = self._layer_norm("memory_attention_norm")
            self.memory_attention = self._attention(self_attention=False, name="memory_attention")

    def build(self, inputs_shape, memory_shape=None):
        super().build(inputs_shape)
        if self.use_memory_attention:
            self.memory_attention_norm.build(inputs_shape)
            self.memory_attention.build(inputs_shape, memory_shape or inputs_shape)

    def init_cache(self, batch_size, max_length: int) -> dict:
        """Empty self-attention keys/values for decoding up to `max_length` positions."""
        return self.self_attention.empty_cache(batch_size, max_length)

    def memory_cache(self, memory) -> dict:
        """The encoder-decoder keys/values of encoder output `memory`."""
        if not self.use_memory_attention:
            raise ValueError("this decoder layer has no encoder-decoder attention")
        return self.memory_attention.memory_cache(memory)

    def cache_length(self, cache: dict):
        """How many positions a cache from `init_cache` holds."""
        return self.self_attention.cache_length(cache)

    def call(
        self,
        inputs,
        memory=None,
        self_bias=None,
        memory_bias=None,
        cache=None,
        memory_cache=None,
        decode_index=None,
        training=None,
    ):
        y = self.self_attention_norm(inputs)
        if cache is not None:
            y, cache = self.self_attention(
                y, bias=self_bias, cache=cache, decode_index=decode_index, training=training
            )
        else:
            y = self.self_attention(y, bias=self_bias, training=training)
        x = self._add_residual(inputs, y, training)
        if self.use_memory_attention:
            y = self.memory_attention(
                self.memory_attention_norm(x),
                memory=memory,
                bias=memory_bias,
                cache=memory_cache,
                training=training,
            )
            x = self._add_residual(x, y, training)
        x = self._feed_forward_block(x, training)
        if cache is not None:
            return x, cache
        return x

    def get_config(self):
        config = super().get_config()
        config.update(memory_attention=self.use_memory_attention)
        return config
