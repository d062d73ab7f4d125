"""Multi-head dot-product attention with T2T's semantics, optional relative position
representations (Shaw et al. 2018) and an optional key/value cache."""

import keras
from keras import ops

from t2t_lite.layers.attention_spec import AttentionSpec
from t2t_lite.layers.last_axis_matmul import last_axis_matmul, matmul_transposed


def _split_heads(x, num_heads: int):
    """`[batch, length, heads * depth]` -> `[batch, heads, length, depth]`."""
    batch, length, channels = ops.shape(x)
    x = ops.reshape(x, (batch, length, num_heads, channels // num_heads))
    return ops.transpose(x, (0, 2, 1, 3))


def _combine_heads(x):
    """`[batch, heads, length, depth]` -> `[batch, length, heads * depth]`."""
    x = ops.transpose(x, (0, 2, 1, 3))
    batch, length, heads, depth = ops.shape(x)
    return ops.reshape(x, (batch, length, heads * depth))


class _ConcatInitializer(keras.initializers.Initializer):
    """Initializes a fused kernel as if each of its column blocks were a separate kernel,
    so a fused Q/K/V projection starts with the same variance as three separate ones."""

    def __init__(self, initializer, widths):
        self.initializer = keras.initializers.get(initializer)
        self.widths = list(widths)

    def __call__(self, shape, dtype=None):
        parts = [self.initializer((shape[0], width), dtype=dtype) for width in self.widths]
        return ops.concatenate(parts, axis=-1)


@keras.saving.register_keras_serializable(package="t2t_lite")
class MultiHeadAttention(keras.layers.Layer):
    """Multi-head attention as T2T's `multihead_attention` computes it.

    Projections for queries, keys, values and output have no bias; queries are scaled by
    `key_depth_per_head ** -0.5`; an additive bias masks positions; attention weights are
    computed in float32 and dropped out during training.

    With `self_attention=True`, queries, keys and values all come from `query` through one
    fused kernel `[input_depth, 2 * key_depth + value_depth]`. With `self_attention=False`
    (encoder-decoder attention), keys and values come from `memory`.

    With `max_relative_position`, self-attention is T2T's `dot_product_relative`: two
    learned tables `[2 * max_relative_position + 1, key_depth_per_head]`, shared by all
    heads, embed the distance `key_position - query_position` clipped to
    +-`max_relative_position`; the logits become `q.k + q.a_K` and the output
    `sum(w * (v + a_V))`. With a cache, query row r sits at position `decode_index + r`.

    Call arguments:
      query: `[batch, length_q, input_depth]`.
      memory: `[batch, length_m, memory_depth]`; encoder-decoder attention only (may be
        omitted when `cache` holds its keys and values).
      bias: additive bias broadcastable to `[batch, heads, length_q, length_k]`.
      cache: self-attention: `{"key": [batch, heads, max_length, key_depth_per_head],
        "value": [batch, heads, max_length, value_depth_per_head]}` from `empty_cache`;
        the keys and values of `query` are written at positions
        `decode_index ... decode_index + length_q - 1` and the whole cache is attended to
        (the bias must mask positions not written yet). Encoder-decoder: the keys and
        values from `memory_cache(memory)`, computed once.
      decode_index: position of the first query row when `cache` is given (self-attention).
      training: whether dropout is active.

    Returns:
      `[batch, length_q, output_depth]`; for self-attention with a cache, the tuple
      `(output, updated_cache)`.

    Args (`AttentionSpec` holds most, and `from_spec` builds from one):
      num_heads: number of attention heads.
      key_depth: total depth of queries and keys over all heads; defaults to input depth.
      value_depth: total depth of values over all heads; defaults to input depth.
      output_depth: depth of the output; defaults to input depth.
      self_attention: whether keys and values come from the query sequence.
      dropout: dropout rate on the attention weights.
      kernel_initializer: initializer of the projection kernels (and relative tables).
      max_relative_position: None for plain dot-product attention; a positive int for
        relative position representations (self-attention only; key and value depths
        per head must then be equal, as T2T's tables are of the key depth).
    """

    def __init__(
        self,
        num_heads: int,
        key_depth: int | None = None,
        value_depth: int | None = None,
        output_depth: int | None = None,
        self_attention: bool = True,
        dropout: float = 0.0,
        kernel_initializer="glorot_uniform",
        max_relative_position: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if max_relative_position is not None:
            if max_relative_position <= 0:
                raise ValueError(
                    f"max_relative_position={max_relative_position}: relative attention needs "
                    "a maximum distance > 0 (None for plain dot-product attention)"
                )
            if not self_attention:
                raise ValueError(
                    "max_relative_position is for self-attention (T2T's dot_product_relative); "
                    "encoder-decoder attention is plain dot-product"
                )
        self.max_relative_position = max_relative_position
        self.num_heads = num_heads
        self.key_depth = key_depth
        self.value_depth = value_depth
        self.output_depth = output_depth
        self.self_attention = self_attention
        self.dropout = dropout
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.dropout_layer = keras.layers.Dropout(dropout, dtype=self.dtype_policy)

    @classmethod
    def from_spec(cls, spec: AttentionSpec, self_attention: bool, **kwargs) -> "MultiHeadAttention":
        """The layer `spec` describes; `kwargs` are the other arguments (name, dtype...).

        Relative positions apply to self-attention only, as in T2T: encoder-decoder
        attention built from a relative spec is plain dot-product attention.
        """
        config = spec.get_config()
        if not self_attention:
            config["max_relative_position"] = None
        return cls(**config, self_attention=self_attention, **kwargs)

    @staticmethod
    def cache_length(cache: dict) -> int:
        """The number of positions a self-attention cache from `empty_cache` holds (static
        when it was made for a Python int length)."""
        return ops.shape(cache["key"])[2]

    def build(self, query_shape, memory_shape=None):
        input_depth = query_shape[-1]
        self._key_depth = self.key_depth or input_depth
        self._value_depth = self.value_depth or input_depth
        self._output_depth = self.output_depth or input_depth
        for name, depth in (("key_depth", self._key_depth), ("value_depth", self._value_depth)):
            if depth % self.num_heads:
                raise ValueError(f"{name}={depth} is not divisible by num_heads={self.num_heads}")
        if self.self_attention:
            widths = [self._key_depth, self._key_depth, self._value_depth]
            self.qkv_kernel = self.add_weight(
                name="qkv_kernel",
                shape=(input_depth, sum(widths)),
                initializer=_ConcatInitializer(self.kernel_initializer, widths),
            )
        else:
            memory_depth = memory_shape[-1] if memory_shape is not None else input_depth
            self.query_kernel = self.add_weight(
                name="query_kernel",
                shape=(input_depth, self._key_depth),
                initializer=self.kernel_initializer,
            )
            widths = [self._key_depth, self._value_depth]
            self.kv_kernel = self.add_weight(
                name="kv_kernel",
                shape=(memory_depth, sum(widths)),
                initializer=_ConcatInitializer(self.kernel_initializer, widths),
            )
        self.output_kernel = self.add_weight(
            name="output_kernel",
            shape=(self._value_depth, self._output_depth),
            initializer=self.kernel_initializer,
        )
        if self.max_relative_position is not None:
            self._build_relative_tables()
        self.built = True

    def _build_relative_tables(self):
        depth = self._key_depth // self.num_heads
        if self._value_depth // self.num_heads != depth:
            raise ValueError(
                f"relative attention adds key-depth tables to the values: value_depth="
                f"{self._value_depth} and key_depth={self._key_depth} must give the same depth "
                f"per head (num_heads={self.num_heads})"
            )
        shape = (2 * self.max_relative_position + 1, depth)
        self.relative_key_embeddings = self.add_weight(
            name="relative_key_embeddings", shape=shape, initializer=self.kernel_initializer
        )
        self.relative_value_embeddings = self.add_weight(
            name="relative_value_embeddings", shape=shape, initializer=self.kernel_initializer
        )

    def _relative_ids(self, query_length, key_length, first_query_position):
        """Rows of the relative tables for every (query, key) pair, `[query_length,
        key_length]`: the distance `key - query` clipped to +-max_relative_position, shifted
        to be >= 0. Query row r is at position `first_query_position + r`, key column c at
        c (with a preallocated cache, the bias masks columns past the query)."""
        queries = first_query_position + ops.arange(query_length, dtype="int32")
        distance = ops.arange(key_length, dtype="int32")[None, :] - queries[:, None]
        limit = self.max_relative_position
        return ops.clip(distance, -limit, limit) + limit

    def _project(self, x, kernel):
        return last_axis_matmul(x, ops.cast(kernel, x.dtype))

    def _scale_queries(self, q):
        depth_per_head = self._key_depth // self.num_heads
        return q * ops.cast(depth_per_head**-0.5, q.dtype)

    def memory_cache(self, memory) -> dict:
        """Keys and values of `memory` for encoder-decoder attention, to compute once
        before decoding: `{"key": [batch, heads, length_m, d_k], "value": [...]}`."""
        if self.self_attention:
            raise ValueError("memory_cache is for encoder-decoder attention (self_attention=False)")
        kv = self._project(memory, self.kv_kernel)
        k, v = ops.split(kv, [self._key_depth], axis=-1)
        return {"key": _split_heads(k, self.num_heads), "value": _split_heads(v, self.num_heads)}

    def empty_cache(self, batch_size, max_length: int, dtype=None) -> dict:
        """Zeroed self-attention cache for `max_length` positions."""
        dtype = dtype or self.compute_dtype
        heads = self.num_heads
        return {
            "key": ops.zeros((batch_size, heads, max_length, self._key_depth // heads), dtype),
            "value": ops.zeros((batch_size, heads, max_length, self._value_depth // heads), dtype),
        }

    def call(self, query, memory=None, bias=None, cache=None, decode_index=None, training=None):
        if self.self_attention:
            qkv = self._project(query, self.qkv_kernel)
            q, k, v = ops.split(qkv, [self._key_depth, 2 * self._key_depth], axis=-1)
            k = _split_heads(k, self.num_heads)
            v = _split_heads(v, self.num_heads)
            if cache is not None:
                if decode_index is None:
                    raise ValueError("decode_index is required with a self-attention cache")
                cache = {
                    "key": _write_positions(cache["key"], k, decode_index),
                    "value": _write_positions(cache["value"], v, decode_index),
                }
                k, v = cache["key"], cache["value"]
        else:
            q = self._project(query, self.query_kernel)
            if cache is None:
                if memory is None:
                    raise ValueError("encoder-decoder attention needs `memory` or a `cache`")
                cache = self.memory_cache(memory)
            k, v = cache["key"], cache["value"]
            cache = None  # nothing to hand back: memory keys and values do not change
        q = self._scale_queries(_split_heads(q, self.num_heads))
        # Not `matmul(q, swapaxes(k))`: on TensorFlow that transpose, on keys a decode loop
        # captures, made Grappler return empty outputs from the whole traced function.
        logits = matmul_transposed(q, k)
        relative = self.max_relative_position is not None
        if relative:
            ids = self._relative_ids(
                ops.shape(q)[2], ops.shape(k)[2], 0 if cache is None else decode_index
            )
            key_rows = ops.take(ops.cast(self.relative_key_embeddings, q.dtype), ids, axis=0)
            logits += ops.einsum("bhqd,qkd->bhqk", q, key_rows)
        # Bias and softmax in float32: -1e9 would overflow float16, and the softmax is
        # the numerically delicate step under mixed precision.
        logits = ops.cast(logits, "float32")
        if bias is not None:
            logits += ops.cast(bias, "float32")
        weights = ops.cast(ops.softmax(logits, axis=-1), q.dtype)
        weights = self.dropout_layer(weights, training=training)
        context = ops.matmul(weights, v)
        if relative:
            value_rows = ops.take(ops.cast(self.relative_value_embeddings, q.dtype), ids, axis=0)
            context += ops.einsum("bhqk,qkd->bhqd", weights, value_rows)
        output = self._project(_combine_heads(context), self.output_kernel)
        if cache is not None:
            return output, cache
        return output

    def compute_output_shape(self, query_shape, memory_shape=None):
        return tuple(query_shape[:-1]) + (self.output_depth or query_shape[-1],)

    def get_config(self):
        config = super().get_config()
        config.update(
            num_heads=self.num_heads,
            key_depth=self.key_depth,
            value_depth=self.value_depth,
            output_depth=self.output_depth,
            self_attention=self.self_attention,
            dropout=self.dropout,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            max_relative_position=self.max_relative_position,
        )
        return config


def _write_positions(cache, update, start):
    """Writes `update` `[batch, heads, n, depth]` into `cache` `[batch, heads, max_len, depth]`
    at positions `start ... start + n - 1`.

    A masked select instead of a scatter keeps every shape static, so the decode loop
    compiles under XLA. It is 4x faster on CPU than the one-hot matrix product it
    replaced (bench/decode_speed.py), which made writes the bulk of a decode step.
    """
    max_length = ops.shape(cache)[2]
    offsets = ops.arange(max_length, dtype="int32") - start  # [max_len]: index into `update`
    num_new = ops.shape(update)[2]
    inside = ops.logical_and(offsets >= 0, offsets < num_new)[:, None]  # [max_len, 1]
    if update.shape[2] != 1:  # one position (decoding) broadcasts without a gather
        update = ops.take(update, ops.clip(offsets, 0, num_new - 1), axis=2)
    return ops.where(inside, ops.cast(update, cache.dtype), cache)
