"""Beam search with T2T's semantics, as one `tf.while_loop` over a step function.

As in T2T's `beam_search.py`: scores are log-probabilities divided by the length
penalty `((5 + length) / 6) ** alpha`; each step proposes `2 * beam_size` candidates so
that `beam_size` of them are still alive however many end in EOS; finished and alive
beams are kept apart; the loop stops early once the lowest finished score beats the best
score any alive beam could still reach. Sequences live in preallocated
`[batch, beam, decode_length]` tensors so that every loop variable keeps its shape.

The step function is as in `greedy_search`, over `batch * beam_size` rows (the beams of
one batch item adjacent); beam search reorders the rows of its state as beams move.
"""

import tensorflow as tf

from t2t_lite.decoding.strategy import DecodingStrategy, StepFn, register_strategy
from t2t_lite.ids import EOS_ID

NEG_INF = float("-inf")


def length_penalty(length, alpha: float) -> tf.Tensor:
    """T2T's (GNMT's) length penalty `((5 + length) / 6) ** alpha`."""
    return tf.pow((5.0 + tf.cast(length, tf.float32)) / 6.0, alpha)


def gather_beams(nested, beam_indices: tf.Tensor, batch_size, beam_size: int):
    """Reorders every tensor of `nested` (rows `[batch * beam, ...]`) so that beam `j` of
    item `b` becomes old beam `beam_indices[b, j]`."""

    def gather(tensor):
        by_beam = tf.reshape(tensor, tf.concat([[batch_size, beam_size], tf.shape(tensor)[1:]], 0))
        gathered = tf.gather(by_beam, beam_indices, axis=1, batch_dims=1)
        return tf.ensure_shape(tf.reshape(gathered, tf.shape(tensor)), tensor.shape)

    return tf.nest.map_structure(gather, nested)


def _take(tensor, indices):
    return tf.gather(tensor, indices, axis=1, batch_dims=1)


def beam_search(
    step_fn: StepFn,
    state,
    batch_size,
    beam_size: int,
    decode_length,
    alpha: float,
    eos_id: int = EOS_ID,
) -> tuple[tf.Tensor, tf.Tensor]:
    """Finds the `beam_size` best sequences per batch item.

    Args:
      step_fn, state: see the module docstring; `state` rows are `batch * beam_size`.
      batch_size: number of batch items.
      beam_size: beams kept per item.
      decode_length: most ids per sequence (scalar int).
      alpha: length-penalty exponent (0: plain log-probabilities).
      eos_id: end-of-sequence id. Id 0 (pad) is fed first and fills the ids after EOS.

    Returns:
      `(ids [batch, beam, decode_length] int32, scores [batch, beam] float32)`, best
      first. A finished beam ends with its EOS; its score is its log-probability
      divided by `length_penalty(its length)`. Finished beams come first, as in T2T;
      when fewer than `beam_size` finished, the best alive (unfinished) beams follow,
      scored as T2T scores them when no beam finishes: their log-probability, without
      the penalty. A slot that no beam reached (a vocabulary smaller than the beam)
      scores -inf.
    """
    decode_length = tf.convert_to_tensor(decode_length, tf.int32)
    shape = [batch_size, beam_size]
    # Only beam 0 is alive at first; -inf (never subtracted from, so never NaN) keeps the
    # other beams and everything grown from them out of both sets.
    first_beam_only = tf.concat([[0.0], tf.fill([beam_size - 1], NEG_INF)], 0)
    loop_vars = dict(
        position=tf.constant(0),
        alive_ids=tf.zeros(shape + [decode_length], tf.int32),
        alive_log_probs=tf.tile(first_beam_only[tf.newaxis], [batch_size, 1]),
        last_ids=tf.zeros(shape, tf.int32),
        finished_ids=tf.zeros(shape + [decode_length], tf.int32),
        finished_scores=tf.fill(shape, NEG_INF),
        finished_flags=tf.zeros(shape, tf.bool),
        state=state,
    )
    max_penalty = length_penalty(decode_length, alpha)

    def not_done(v):
        # Alive log-probabilities only fall, and the penalty is largest at decode_length.
        best_alive = v["alive_log_probs"][:, 0] / max_penalty
        lowest_finished = tf.reduce_min(
            tf.where(v["finished_flags"], v["finished_scores"], float("inf")), axis=1
        )
        lowest_finished = tf.where(tf.reduce_any(v["finished_flags"], 1), lowest_finished, NEG_INF)
        bound_met = tf.reduce_all(lowest_finished > best_alive)
        return tf.logical_and(v["position"] < decode_length, tf.logical_not(bound_met))

    def step(v):
        position = v["position"]
        logits, state = step_fn(tf.reshape(v["last_ids"], [-1]), position, v["state"])
        log_probs = tf.nn.log_softmax(tf.cast(logits, tf.float32))
        vocab_size = tf.shape(log_probs)[-1]
        log_probs = tf.reshape(log_probs, [batch_size, beam_size, vocab_size])
        log_probs += v["alive_log_probs"][:, :, tf.newaxis]
        penalty = length_penalty(position + 1, alpha)
        flat_scores = tf.reshape(log_probs / penalty, [batch_size, beam_size * vocab_size])
        # 2 * beam candidates: at most beam_size of them end in EOS.
        top_scores, top_indices = tf.math.top_k(flat_scores, k=2 * beam_size)
        top_log_probs = top_scores * penalty
        top_beams = top_indices // vocab_size
        top_ids = top_indices % vocab_size
        write = tf.one_hot(position, decode_length, dtype=tf.int32)
        top_seqs = _take(v["alive_ids"], top_beams) + top_ids[:, :, tf.newaxis] * write
        ends = tf.equal(top_ids, eos_id)
        top_finished = tf.logical_and(ends, top_scores > NEG_INF)

        # Alive: the best candidates that did not end in EOS. With fewer than beam_size
        # such candidates (tiny vocabularies), -inf ones fill in and stay out of the race.
        alive_log_probs, alive = tf.math.top_k(tf.where(ends, NEG_INF, top_log_probs), k=beam_size)
        state = gather_beams(state, _take(top_beams, alive), batch_size, beam_size)

        # Finished: the best of the finished so far and the candidates ending in EOS.
        new_scores = tf.where(top_finished, top_scores, NEG_INF)
        merged_scores = tf.concat([v["finished_scores"], new_scores], 1)
        finished_scores, finished = tf.math.top_k(merged_scores, k=beam_size)
        merged_ids = tf.concat([v["finished_ids"], top_seqs], 1)
        merged_flags = tf.concat([v["finished_flags"], top_finished], 1)
        return dict(
            position=position + 1,
            alive_ids=_take(top_seqs, alive),
            alive_log_probs=alive_log_probs,
            last_ids=_take(top_ids, alive),
            finished_ids=_take(merged_ids, finished),
            finished_scores=finished_scores,
            finished_flags=_take(merged_flags, finished),
            state=state,
        )

    (v,) = tf.while_loop(lambda v: not_done(v), lambda v: (step(v),), (loop_vars,))
    # Finished beams first (best first), then alive ones fill the empty slots.
    num_finished = tf.reduce_sum(tf.cast(v["finished_flags"], tf.int32), axis=1, keepdims=True)
    slot = tf.range(beam_size)[tf.newaxis, :]
    from_alive = tf.clip_by_value(slot - num_finished, 0, beam_size - 1)
    use_finished = slot < num_finished
    # As T2T returns a search that no beam finished: unfinished beams score their plain
    # log-probability, without the length penalty.
    alive_scores = v["alive_log_probs"]
    ids = tf.where(
        use_finished[:, :, tf.newaxis], v["finished_ids"], _take(v["alive_ids"], from_alive)
    )
    scores = tf.where(use_finished, v["finished_scores"], _take(alive_scores, from_alive))
    # A slot no real beam reached (vocabularies smaller than the beam) holds no ids.
    ids = tf.where((scores > NEG_INF)[:, :, tf.newaxis], ids, 0)
    return ids, scores


@register_strategy("beam")
class BeamSearch(DecodingStrategy):
    """`beam_search` as a decoding strategy.

    Args:
      beam_size: beams per input.
      alpha: the length penalty's exponent.
      return_beams: return every beam, best first, instead of the best one.
      extra_length: see `DecodingStrategy`.
    """

    def __init__(
        self,
        beam_size: int = 4,
        alpha: float = 0.6,
        return_beams: bool = False,
        extra_length: int = 50,
    ):
        super().__init__(extra_length)
        self.beam_size = beam_size
        self.alpha = alpha
        self.return_beams = bool(return_beams)
        self.rows_per_input = beam_size

    @classmethod
    def from_decode_hparams(cls, hparams):
        return cls(hparams.beam_size, hparams.alpha, hparams.return_beams, hparams.extra_length)

    def search(self, step_fn, state, batch_size, decode_length, row_keys=None):
        ids, scores = beam_search(
            step_fn, state, batch_size, self.beam_size, decode_length, self.alpha, EOS_ID
        )
        if self.return_beams:
            return ids, scores
        return ids[:, 0], scores[:, 0]
