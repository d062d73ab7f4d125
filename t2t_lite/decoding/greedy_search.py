"""Greedy search over a step function, as one `tf.while_loop` (no Python loop per token),
picking each id with a sampler (`t2t_lite.decoding.sampling`): the argmax, or a draw.

A step function `step_fn(ids, position, state) -> (logits, state)` takes the ids fed at
`position` (`[batch]`, pad id 0 at position 0) and a nest of tensors it carries (a
key/value cache), and returns `[batch, vocab]` logits for the next id.
"""

import tensorflow as tf

from t2t_lite.decoding.sampling import (
    ArgmaxSampler,
    Sampler,
    combine_keys,
    sampler_from_decode_hparams,
)
from t2t_lite.decoding.strategy import DecodingStrategy, StepFn, register_strategy
from t2t_lite.errors import HParamsError
from t2t_lite.ids import EOS_ID


def greedy_search(
    step_fn: StepFn,
    state,
    batch_size,
    decode_length,
    eos_id: int = EOS_ID,
    sampler: Sampler | None = None,
    row_keys: tf.Tensor | None = None,
) -> tuple[tf.Tensor, tf.Tensor]:
    """Picks one id at every position with `sampler` (default: the most likely id).

    Stops when every row has produced `eos_id` or after `decode_length` ids.
    `row_keys` `[batch]` int64 seed a random sampler per row (default: the row index).

    Returns:
      `(ids [batch, decode_length] int32, scores [batch] float32)`: ids after a row's EOS
      are 0 (pad); a score is the sum of the model's log-probabilities (untempered) of
      the row's ids up to and including its EOS.
    """
    sampler = sampler or ArgmaxSampler()
    if row_keys is None:
        row_keys = tf.range(tf.cast(batch_size, tf.int64))
    decode_length = tf.convert_to_tensor(decode_length, tf.int32)
    ids = tf.zeros([batch_size, decode_length], tf.int32)
    scores = tf.zeros([batch_size], tf.float32)
    finished = tf.zeros([batch_size], tf.bool)
    last_ids = tf.zeros([batch_size], tf.int32)

    def not_done(position, ids, scores, finished, last_ids, state):
        return tf.logical_and(position < decode_length, tf.logical_not(tf.reduce_all(finished)))

    def step(position, ids, scores, finished, last_ids, state):
        logits, state = step_fn(last_ids, position, state)
        logits = tf.cast(logits, tf.float32)
        log_probs = tf.nn.log_softmax(logits)
        next_ids = sampler.get_next_token(logits, row_keys, position)
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
    """`greedy_search` as a decoding strategy (`--decode_hparams=beam_size=1`), with a
    sampler: the argmax, or a draw (`sampling_method=random`).

    Args:
      extra_length: see `DecodingStrategy`.
      sampler: picks each id (default `ArgmaxSampler`).
      samples_per_input: rows drawn per input; more than 1 returns them all, as
        `[batch, samples, length]` ids and `[batch, samples]` scores (like beams).
      seed: `sampling_seed`, folded into every row's key.
    """

    def __init__(
        self,
        extra_length: int = 50,
        sampler: Sampler | None = None,
        samples_per_input: int = 1,
        seed: int = 0,
    ):
        super().__init__(extra_length)
        self.sampler = sampler or ArgmaxSampler()
        if samples_per_input > 1 and isinstance(self.sampler, ArgmaxSampler):
            raise HParamsError(
                f"samples_per_input={samples_per_input} needs sampling_method=random: the "
                "argmax gives one output"
            )
        self.samples_per_input = samples_per_input
        self.rows_per_input = samples_per_input
        self.return_beams = samples_per_input > 1
        self.seed = seed

    @classmethod
    def from_decode_hparams(cls, hparams) -> "GreedySearch":
        return cls(
            hparams.extra_length,
            sampler_from_decode_hparams(hparams),
            hparams.samples_per_input,
            hparams.sampling_seed,
        )

    def search(
        self, step_fn: StepFn, state, batch_size, decode_length, row_keys: tf.Tensor | None = None
    ) -> tuple[tf.Tensor, tf.Tensor]:
        if row_keys is None:
            row_keys = tf.range(tf.cast(batch_size, tf.int64))
        samples = self.samples_per_input
        # Sample n of an input: its key with n folded in (sample 0 keeps the key itself
        # mixed with the seed, so one sample equals the first of several).
        row_keys = combine_keys(tf.repeat(row_keys, samples), self.seed)
        sample_index = tf.tile(tf.range(samples, dtype=tf.int64), [batch_size])
        row_keys = combine_keys(row_keys, sample_index)
        ids, scores = greedy_search(
            step_fn, state, batch_size * samples, decode_length, EOS_ID, self.sampler, row_keys
        )
        if self.return_beams:
            ids = tf.reshape(ids, [batch_size, samples, -1])
            scores = tf.reshape(scores, [batch_size, samples])
        return ids, scores
