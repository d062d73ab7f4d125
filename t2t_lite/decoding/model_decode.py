"""Decoding any registered model (`t2t_lite.models.T2TModel`) with a strategy: the model
encodes or prefills into its cache once (`begin_decode`), then the search runs its
`decode_step` one position at a time. The uncached reference is the Transformer's."""

import tensorflow as tf

from t2t_lite.decoding.sampling import content_keys
from t2t_lite.decoding.strategy import DecodingStrategy, StepFn
from t2t_lite.models import T2TModel


def cached_step_fn(model, encoder_output, memory_bias, max_length) -> tuple[StepFn, list]:
    """The Transformer's step function over `model.decode_step` and its initial state,
    the model's decode cache (the model's fixed decode memory stays outside the state,
    so beam search never reorders it)."""
    memory = model.decode_memory(encoder_output, memory_bias)

    def step(ids, position, cache):
        return model.decode_step(ids[:, tf.newaxis], position, cache, memory)

    return step, model.init_decode_cache(tf.shape(encoder_output)[0], max_length)


def uncached_step_fn(model, encoder_output, memory_bias, max_length) -> tuple[StepFn, tf.Tensor]:
    """A Transformer step function that reruns the whole decoder over every id so far (the
    slow reference for the cached search); its state is the ids fed so far."""
    batch_size = tf.shape(encoder_output)[0]

    def step(ids, position, fed):
        fed += ids[:, tf.newaxis] * tf.one_hot(position, max_length, dtype=tf.int32)
        logits = model.decode(fed[:, : position + 1], encoder_output, memory_bias, training=False)
        return logits[:, -1], fed

    return step, tf.zeros([batch_size, max_length], tf.int32)


def decode_ids(
    model: T2TModel, inputs: tf.Tensor, strategy: DecodingStrategy, cached: bool = True
) -> tuple[tf.Tensor, tf.Tensor]:
    """Decodes `inputs` `[batch, length]` ids with `strategy`: source sentences
    (0-padded, EOS-terminated) for an encoder-decoder model, which writes at most
    `length + strategy.extra_length` ids; prompts (0-padded on the right, no EOS; an
    all-pad row is unconditional) for a decoder-only model, which writes at most
    `strategy.extra_length` ids after each. `cached=False` (the Transformer's reference)
    recomputes the decoder at every step.

    Returns:
      `(ids, scores)` as `strategy.search` gives them: ids `[batch, decode_length]` int32
      ending at EOS and 0-padded after it (without the prompt), scores `[batch]` (sum of
      log-probabilities for greedy search, length-penalised for beam search); with
      `return_beams`, every beam, `[batch, beam, decode_length]` and `[batch, beam]`,
      best first; with `samples_per_input`, every sample in the order drawn.
    """
    inputs = tf.cast(inputs, tf.int32)
    batch_size = tf.shape(inputs)[0]
    keys = content_keys(inputs, 0)
    if not cached:
        if not hasattr(model, "encode"):
            raise ValueError("cached=False is the encoder-decoder Transformer's reference")
        decode_length = tf.shape(inputs)[1] + strategy.extra_length
        encoder_output, memory_bias = model.encode(inputs, training=False)
        if strategy.rows_per_input > 1:
            encoder_output = tf.repeat(encoder_output, strategy.rows_per_input, axis=0)
            memory_bias = tf.repeat(memory_bias, strategy.rows_per_input, axis=0)
        step, state = uncached_step_fn(model, encoder_output, memory_bias, decode_length)
        return strategy.search(step, state, batch_size, decode_length, row_keys=keys)
    memory, cache, decode_length = model.begin_decode(
        inputs, strategy.extra_length, strategy.rows_per_input
    )

    def step(ids, position, cache):
        return model.decode_step(ids[:, tf.newaxis], position, cache, memory)

    return strategy.search(step, cache, batch_size, decode_length, row_keys=keys)
