"""Greedy and beam search for `t2t_lite.models.Transformer`: the encoder runs once, the
encoder-decoder keys/values are computed once per layer, and the self-attention
keys/values are cached, preallocated to the decode length."""

import tensorflow as tf

from t2t_lite.decoding.strategy import DecodingStrategy, StepFn


def cached_step_fn(model, encoder_output, memory_bias, max_length) -> tuple[StepFn, list]:
    """A step function over `model.decode_step` and its initial state, the model's decode
    cache (the model's fixed decode memory stays outside the state, so beam search never
    reorders it)."""
    memory = model.decode_memory(encoder_output, memory_bias)

    def step(ids, position, cache):
        return model.decode_step(ids[:, tf.newaxis], position, cache, memory)

    return step, model.init_decode_cache(tf.shape(encoder_output)[0], max_length)


def uncached_step_fn(model, encoder_output, memory_bias, max_length) -> tuple[StepFn, tf.Tensor]:
    """A step function that reruns the whole decoder over every id so far (the slow
    reference for the cached search); its state is the ids fed so far."""
    batch_size = tf.shape(encoder_output)[0]

    def step(ids, position, fed):
        fed += ids[:, tf.newaxis] * tf.one_hot(position, max_length, dtype=tf.int32)
        logits = model.decode(fed[:, : position + 1], encoder_output, memory_bias, training=False)
        return logits[:, -1], fed

    return step, tf.zeros([batch_size, max_length], tf.int32)


def decode_ids(model, inputs: tf.Tensor, strategy: DecodingStrategy, cached: bool = True) -> tuple:
    """Translates `inputs` `[batch, length_in]` ids (0-padded, EOS-terminated) with
    `strategy`, writing at most `length_in + strategy.extra_length` ids. `cached=False`
    recomputes the decoder at every step.

    Returns:
      `(ids, scores)` as `strategy.search` gives them: ids `[batch, decode_length]` int32
      ending at EOS and 0-padded after it, scores `[batch]` (sum of log-probabilities for
      greedy search, length-penalised for beam search); with `return_beams`, all beams,
      `[batch, beam, decode_length]` and `[batch, beam]`, best first.
    """
    inputs = tf.cast(inputs, tf.int32)
    batch_size = tf.shape(inputs)[0]
    decode_length = tf.shape(inputs)[1] + strategy.extra_length
    encoder_output, memory_bias = model.encode(inputs, training=False)
    if strategy.rows_per_input > 1:  # the rows of one input sit next to each other
        encoder_output = tf.repeat(encoder_output, strategy.rows_per_input, axis=0)
        memory_bias = tf.repeat(memory_bias, strategy.rows_per_input, axis=0)
    make_step = cached_step_fn if cached else uncached_step_fn
    step, state = make_step(model, encoder_output, memory_bias, decode_length)
    return strategy.search(step, state, batch_size, decode_length)
