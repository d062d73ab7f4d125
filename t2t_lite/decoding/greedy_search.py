"""Greedy search over a step function, as one `tf.while_loop` (no Python loop per token).

A step function `step_fn(ids, position, state) -> (logits, state)` takes the ids fed at
`position` (`[batch]`, pad id 0 at position 0) and a nest of tensors it carries (a
key/value cache), and returns `[batch, vocab]` logits for the next id.
"""

import tensorflow as tf

from t2t_lite.decoding.strategy import DecodingStrategy, StepFn, register_strategy
from t2t_lite.ids import EOS_ID


def greedy_search(
    step_fn: StepFn,
    state,
    batch_size,
    decode_length,
    eos_id: int = EOS_ID,
) -> tuple[tf.Tensor, tf.Tensor]:
    """Picks the most likely id at every position.

    Stops when every row has produced `eos_id` or after `decode_length` ids.

    Returns:
      `(ids [batch, decode_length] int32, scores [batch] float32)`: ids after a row's EOS
      are 0 (pad); a score is the sum of the log-probabilities of the row's ids up to
      and including its EOS.
    """
    decode_length = tf.convert_to_tensor(decode_length, tf.int32)
    ids = tf.zeros([batch_size, decode_length], tf.int32)
    scores = tf.zeros([batch_size], tf.float32)
    finished = tf.zeros([batch_size], tf.bool)
    last_ids = tf.zeros([batch_size], tf.int32)

    def not_done(position, ids, scores, finished, last_ids, state):
        return tf.logical_and(position < decode_length, tf.logical_not(tf.reduce_all(finished)))

    def step(position, ids, scores, finished, last_ids, state):
        logits, state = step_fn(last_ids, position, state)
        log_probs = tf.nn.log_softmax(tf.cast(logits, tf.float32))
        next_ids = tf.argmax(log_probs, axis=-1, output_type=tf.int32)
        next_scores = tf.gather(log_probs, next_ids, axis=1, batch_dims=1)
        next_ids = tf.where(finished, 0, next_ids)
        scores += tf.where(finished, 0.0, next_scores)
        # A one-hot write keeps `ids` one static shape for the loop (and XLA).
        ids += next_ids[:, tf.newaxis] * tf.one_hot(position, decode_length, dtype=tf.int32)
        finished = tf.logical_or(finished, tf.equal(next_ids, eos_id))
        return position + 1, ids, scores, finished, next_ids, state

    _, ids, scores, _, _, _ = tf.while_loop(
        not_done, step, (tf.constant(0), ids, scores, finished, last_ids, state)
    )
    return ids, scores


@register_strategy("greedy")
class GreedySearch(DecodingStrategy):
    """`greedy_search` as a decoding strategy (`--decode_hparams=beam_size=1`).

    Args:
      extra_length: see `DecodingStrategy`.
    """

    def search(self, step_fn, state, batch_size, decode_length):
        return greedy_search(step_fn, state, batch_size, decode_length, EOS_ID)
