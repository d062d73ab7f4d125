"""Samplers: how greedy search picks each next id, with T2T's sampling hparams.

A sampler is the hook inside `greedy_search`'s one `tf.while_loop` (as keras-hub's
samplers override only `get_next_token`): `ArgmaxSampler` is greedy search itself,
`RandomSampler` draws from `softmax(logits / sampling_temp)`, restricted to the
`sampling_keep_top_k` most likely ids and to the nucleus of mass `sampling_keep_top_p`.

Randomness is a function of the seed, the row's key, the position and the id (a
counter-based hash, Gumbel-max), not of a random-op state: a row draws the same ids
whatever batch it shares and on every run with the same `sampling_seed`, and the loop
compiles under XLA. `decode_ids` keys each row by its input's ids, so identical inputs
draw identical samples (served requests too); the n-th sample of an input folds in n.
"""

import abc

import tensorflow as tf

from t2t_lite.ids import PAD_ID

_MASK32 = 0xFFFFFFFF


def _mix(x: tf.Tensor) -> tf.Tensor:
    """A 32-bit integer hash (Wellons' lowbias32) of int64 values in [0, 2**32).
    int64 arithmetic masked to 32 bits: TensorFlow's CPU kernels lack uint32 products."""
    x = tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, 16))
    x = (x * 0x7FEB352D) & _MASK32
    x = tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, 15))
    x = (x * 0x846CA68B) & _MASK32
    return tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, 16))


def combine_keys(key: tf.Tensor, value) -> tf.Tensor:
    """A new 32-bit key from `key` and `value` (int64 tensors that broadcast)."""
    value = tf.cast(value, tf.int64) & _MASK32
    return _mix(
        tf.bitwise.bitwise_xor(tf.cast(key, tf.int64), _mix((value + 0x9E3779B9) & _MASK32))
    )


def content_keys(ids: tf.Tensor, seed: int) -> tf.Tensor:
    """`[batch]` int64 keys of `ids` `[batch, length]`: the non-pad ids at their positions
    and `seed`, so that a row's key does not depend on the padding of its batch."""
    ids = tf.cast(ids, tf.int64)
    positions = tf.range(tf.shape(ids, out_type=tf.int64)[1])[tf.newaxis, :]
    terms = combine_keys(combine_keys(tf.constant(seed, tf.int64), positions), ids)
    # A sum of values below 2**32 over fewer than 2**31 positions stays exact in int64.
    terms = tf.where(tf.equal(ids, PAD_ID), tf.zeros_like(terms), terms)
    return _mix(tf.reduce_sum(terms, axis=1) & _MASK32)


def uniform_noise(keys: tf.Tensor, position, vocab_size) -> tf.Tensor:
    """`[rows, vocab_size]` float32 uniforms in (0, 1), one per row key, position and id."""
    step_keys = combine_keys(keys, tf.cast(position, tf.int64))[:, tf.newaxis]
    bits = combine_keys(step_keys, tf.range(tf.cast(vocab_size, tf.int64))[tf.newaxis, :])
    return (tf.cast(tf.bitwise.right_shift(bits, 8), tf.float32) + 0.5) / float(1 << 24)


class Sampler(abc.ABC):
    """Base of the samplers: `get_next_token` picks one id per row."""

    @abc.abstractmethod
    def get_next_token(self, logits: tf.Tensor, keys: tf.Tensor, position) -> tf.Tensor:
        """`logits` `[rows, vocab]` float32, `keys` `[rows]` int64 (see `content_keys`),
        scalar `position` -> `[rows]` int32 ids."""

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({settings})"


class ArgmaxSampler(Sampler):
    """The most likely id (T2T's `sampling_method=argmax`)."""

    def get_next_token(self, logits, keys, position):
        return tf.argmax(logits, axis=-1, output_type=tf.int32)


class RandomSampler(Sampler):
    """Draws from the tempered, truncated distribution (T2T's `sampling_method=random`).

    Args:
      temperature: logits are divided by it; 0 takes the argmax (as T2T's
        `sample_with_temperature`).
      top_k: keep the `top_k` most likely ids (-1: all).
      top_p: keep the smallest set of most likely ids whose probability reaches `top_p`
        (1.0: all).
    """

    def __init__(self, temperature: float = 1.0, top_k: int = -1, top_p: float = 1.0):
        self.temperature = temperature
        self.top_k = top_k
        self.top_p = top_p

    def filtered_logits(self, logits: tf.Tensor) -> tf.Tensor:
        """`logits / temperature` with the ids outside top-k and top-p at -inf."""
        scaled = tf.cast(logits, tf.float32) / self.temperature
        if self.top_k > 0:
            k = tf.minimum(self.top_k, tf.shape(scaled)[-1])
            kth = tf.math.top_k(scaled, k=k).values[:, -1:]
            scaled = tf.where(scaled < kth, float("-inf"), scaled)
        if self.top_p < 1.0:
            probs = tf.nn.softmax(scaled)
            ordered = tf.sort(probs, direction="DESCENDING")
            # An id stays while the mass before it is below top_p (the first always does).
            before = tf.cumsum(ordered, axis=-1, exclusive=True)
            kept = tf.reduce_sum(tf.cast(before < self.top_p, tf.int32), axis=-1)
            threshold = tf.gather(ordered, kept - 1, axis=1, batch_dims=1)[:, tf.newaxis]
            scaled = tf.where(probs < threshold, float("-inf"), scaled)
        return scaled

    def get_next_token(self, logits, keys, position):
        if self.temperature == 0.0:
            return tf.argmax(logits, axis=-1, output_type=tf.int32)
        scaled = self.filtered_logits(logits)
        noise = uniform_noise(keys, position, tf.shape(scaled)[-1])
        gumbel = -tf.math.log(-tf.math.log(noise))
        return tf.argmax(scaled + gumbel, axis=-1, output_type=tf.int32)
