"""Greedy and beam search for `t2t_lite.models.Transformer`: the encoder runs once, the
encoder-decoder keys/values are computed once per layer, and the self-attention
keys/values are cached, preallocated to the decode length."""

import tensorflow as tf

from t2t_lite.decoding.beam_search import beam_search
from t2t_lite.decoding.greedy_search import StepFn, greedy_search
from t2t_lite.ids import EOS_ID


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


def decode_ids(
    model,
    inputs: tf.Tensor,
    beam_size: int = 1,
    alpha: float = 0.6,
    extra_length=50,
    return_beams: bool = False,
    cached: bool = True,
) -> tuple[tf.Tensor, tf.Tensor]:
    """Translates `inputs` `[batch, length_in]` ids (0-padded, EOS-terminated).

    Decodes at most `length_in + extra_length` ids, by greedy search when `beam_size`
    is 1, else by beam search. `cached=False` recomputes the decoder at every step.

    Returns:
      `(ids, scores)`: ids `[batch, decode_length]` int32 ending at EOS and 0-padded
      after it, and scores `[batch]` (sum of log-probabilities for greedy search,
      length-penalised for beam search); with `return_beams` and `beam_size > 1`, all
      beams, `[batch, beam, decode_length]` and `[batch, beam]`, best first.
    """
    inputs = tf.cast(inputs, tf.int32)
    batch_size = tf.shape(inputs)[0]
    decode_length = tf.shape(inputs)[1] + extra_length
    encoder_output, memory_bias = model.encode(inputs, training=False)
    make_step = cached_step_fn if cached else uncached_step_fn
    if beam_size == 1:
        step, state = make_step(model, encoder_output, memory_bias, decode_length)
        return greedy_search(step, state, batch_size, decode_length, EOS_ID)
    # The beams of one input sit in adjacent rows.
    encoder_output = tf.repeat(encoder_output, beam_size, axis=0)
    memory_bias = tf.repeat(memory_bias, beam_size, axis=0)
    step, state = make_step(model, encoder_output, memory_bias, decode_length)
    ids, scores = beam_search(step, state, batch_size, beam_size, decode_length, alpha, EOS_ID)
    if return_beams:
        return ids, scores
    return ids[:, 0], scores[:, 0]
