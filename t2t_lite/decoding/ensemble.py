"""An ensemble of trained models that decodes as one (`t2t-decoder --checkpoint_paths`):
at each step every member runs its own cached `decode_step`, and the ensemble's scores
are the mean of the members' log-probabilities, which greedy search, beam search and
the samplers take as they take one model's logits: they normalize them once more (a
log-softmax), so the search scores each id by the normalized geometric mean of the
members' probabilities. The argmax and the ranking of ids at a step are the mean's."""

from collections.abc import Sequence

import tensorflow as tf


class Ensemble:
    """Models with one vocabulary and one decode protocol, decoded together.

    It offers what `decode_ids` reads of a model: `decode_input`, `task`,
    `begin_decode` and `decode_step`. Its state holds each member's memory and cache, so
    beam search reorders every member's cache with the beams.

    Args:
      members: trained `T2TModel`s of the same target vocabulary and `decode_input`.
    """

    task = "generation"

    def __init__(self, members: Sequence):
        if not members:
            raise ValueError("an ensemble needs at least one model")
        first = members[0]
        for member in members[1:]:
            if member.decode_input != first.decode_input:
                raise ValueError("ensemble members must read the same inputs (decode_input)")
        self.members = list(members)
        self.decode_input = first.decode_input

    def begin_decode(self, source_ids, extra_length: int, rows_per_input: int = 1) -> tuple:
        begun = [m.begin_decode(source_ids, extra_length, rows_per_input) for m in self.members]
        memory = tuple(b[0] for b in begun)
        cache = tuple(b[1] for b in begun)
        decode_length = begun[0][2]
        for other in begun[1:]:
            decode_length = tf.minimum(decode_length, other[2])
        return memory, cache, decode_length

    def decode_step(self, ids, position, cache, memory) -> tuple:
        """`(mean log-probabilities [rows, vocab], updated caches)`."""
        log_probs, caches = [], []
        for member, member_cache, member_memory in zip(self.members, cache, memory, strict=True):
            logits, member_cache = member.decode_step(ids, position, member_cache, member_memory)
            log_probs.append(tf.nn.log_softmax(tf.cast(logits, tf.float32)))
            caches.append(member_cache)
        return tf.reduce_mean(tf.stack(log_probs), axis=0), tuple(caches)
