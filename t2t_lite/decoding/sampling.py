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

from t2t_lite.errors import HParamsError
from t2t_lite.hparams import HParams
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


def _uniform(bits: tf.Tensor) -> tf.Tensor:
    """32-bit hashes -> float32 uniforms strictly inside (0, 1): their top 23 bits,
    centred (with 24, the largest value rounds to 1.0 in float32, a Gumbel of +inf)."""
    return (tf.cast(tf.bitwise.right_shift(bits, 9), tf.float32) + 0.5) / float(1 << 23)


_BISECTION_STEPS = 40


def _nucleus_threshold(probs: tf.Tensor, top_p: float) -> tf.Tensor:
    """`[rows, 1]`: the largest t whose ids `probs >= t` hold at least `top_p` of the mass,
    so `probs >= t` is the nucleus (the fewest most likely ids reaching `top_p`).

    Found by bisection on t rather than by sorting the vocabulary: XLA on CPU sorts
    slowly, and 40 halvings of [0, max] leave an interval of 1e-12 of the largest
    probability, finer than float32 probabilities differ.
    """
    low = tf.zeros_like(probs[:, :1])  # mass(probs >= low) = 1 >= top_p
    high = tf.reduce_max(probs, axis=-1, keepdims=True) * (1 + 1e-6)  # nothing at or above
    for _ in range(_BISECTION_STEPS):
        middle = (low + high) / 2
        mass = tf.reduce_sum(tf.where(probs >= middle, probs, 0.0), axis=-1, keepdims=True)
        enough = mass >= top_p
        low = tf.where(enough, middle, low)
        high = tf.where(enough, high, middle)
    return low


class Sampler(abc.ABC):
    """Base of the samplers: `get_next_token` picks one id per row."""

    @abc.abstractmethod
    def get_next_token(self, logits: tf.Tensor, keys: tf.Tensor, position) -> tf.Tensor:
        """`logits` `[rows, vocab]` float32, `keys` `[rows]` int64 (see `content_keys`),
        scalar `position` -> `[rows]` int32 ids."""

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({settings})"


SAMPLING_METHODS = ("argmax", "random")


def check_sampling(method: str, temperature: float, top_k: int, top_p: float = 1.0) -> None:
    """The one rule for sampling settings, with T2T's conventions; an `HParamsError`
    names the hparam."""
    if method not in SAMPLING_METHODS:
        raise HParamsError(f"sampling_method={method!r}: use " + " or ".join(SAMPLING_METHODS))
    if temperature < 0:
        raise HParamsError(f"sampling_temp={temperature} must be >= 0")
    if top_k == 0 or top_k < -1:
        raise HParamsError(f"sampling_keep_top_k={top_k} must be -1 (all ids) or >= 1")
    if not 0.0 < top_p <= 1.0:
        raise HParamsError(f"sampling_keep_top_p={top_p} must be in (0, 1]")


def sampler_from_decode_hparams(hparams: HParams) -> Sampler:
    """T2T's `sampling_method`, `sampling_temp`, `sampling_keep_top_k`, and
    `sampling_keep_top_p`, as a sampler; bad values are `HParamsError`s naming them."""
    check_sampling(
        hparams.sampling_method,
        hparams.sampling_temp,
        hparams.sampling_keep_top_k,
        hparams.sampling_keep_top_p,
    )
    if hparams.sampling_method == "argmax":
        return ArgmaxSampler()
    return RandomSampler(
        hparams.sampling_temp, hparams.sampling_keep_top_k, hparams.sampling_keep_top_p
    )


class ArgmaxSampler(Sampler):
    """The most likely id (T2T's `sampling_method=argmax`)."""

    def get_next_token(self, logits: tf.Tensor, keys: tf.Tensor, position) -> tf.Tensor:
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
        check_sampling("random", temperature, top_k, top_p)
        self.temperature = temperature
        self.top_k = top_k
        self.top_p = top_p

    def get_next_token(self, logits: tf.Tensor, keys: tf.Tensor, position) -> tf.Tensor:
        if self.temperature == 0.0:
            return tf.argmax(logits, axis=-1, output_type=tf.int32)
        scaled = tf.cast(logits, tf.float32) / self.temperature
        step_keys = combine_keys(keys, tf.cast(position, tf.int64))[:, tf.newaxis]
        if self.top_k > 0:
            # Draw among the k best (sorted, so the nucleus is a cumulative sum); a
            # static k, and `scaled` read by top_k alone: XLA on CPU otherwise lowers
            # top_k to a sort of the whole vocabulary.
            k = self.top_k if scaled.shape[-1] is None else min(self.top_k, scaled.shape[-1])
            values, ids = tf.math.top_k(scaled, k=k)
            if self.top_p < 1.0:
                probs = tf.nn.softmax(values)
                before = tf.cumsum(probs, axis=-1, exclusive=True)
                values = tf.where(before < self.top_p, values, float("-inf"))
            choice = tf.argmax(values + _gumbel(step_keys, ids), axis=-1, output_type=tf.int32)
            return tf.gather(ids, choice, axis=1, batch_dims=1)
        if self.top_p < 1.0:
            probs = tf.nn.softmax(scaled)
            scaled = tf.where(probs < _nucleus_threshold(probs, self.top_p), float("-inf"), scaled)
        vocab_ids = tf.range(tf.shape(scaled, out_type=tf.int64)[-1])[tf.newaxis, :]
        return tf.argmax(scaled + _gumbel(step_keys, vocab_ids), axis=-1, output_type=tf.int32)


def _gumbel(step_keys: tf.Tensor, ids: tf.Tensor) -> tf.Tensor:
    """Gumbel noise for each row's `ids` from its step key: the same id of the same row
    and step gets the same noise whichever ids are drawn among."""
    return -tf.math.log(-tf.math.log(_uniform(combine_keys(step_keys, ids))))
