"""Scoring given pairs (T2T's `t2t-decoder --score_file`): one teacher-forced forward
pass per batch, in eval mode, and per line either the model's loss (the mean token
cross-entropy over the target and its EOS, without label smoothing: what T2T writes,
lower is better) or the summed log-probability of the target and its EOS."""

from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from t2t_lite.decoding.batch_decoding import encode_lines
from t2t_lite.errors import DataError
from t2t_lite.ids import EOS_ID, PAD_ID

SCORE_MODES = ("loss", "log_prob")


def split_score_lines(
    lines: Sequence[str], has_inputs: bool, source: str
) -> tuple[list[str] | None, list[str]]:
    """`source<TAB>target` lines as (sources, targets) for a model with inputs, else
    (None, the lines as targets). A pair line without a tab is a `DataError` naming
    `source` and the line."""
    if not has_inputs:
        return None, list(lines)
    sources, targets = [], []
    for number, line in enumerate(lines, start=1):
        fields = line.split("\t")
        if len(fields) != 2:
            what = "no tab" if len(fields) == 1 else f"{len(fields) - 1} tabs"
            raise DataError(
                f"{source}:{number}: {what}; each line is source<TAB>target for this model"
            )
        text, target = fields
        sources.append(text)
        targets.append(target)
    return sources, targets


class PairScorer:
    """Per-row sums of target log-probabilities from one forward pass of `model`.

    Call: `scorer(targets, inputs=None)` with 0-padded `[batch, length]` int ids (targets
    ending in EOS) -> NumPy `(log_prob_sums [batch], token_counts [batch])`.
    """

    def __init__(self, model):
        self.model = model
        # A model whose decoded lines are sources (encoder-decoder) reads inputs.
        self.has_inputs = model.decode_input.vocabulary == "inputs"

        @tf.function(reduce_retracing=True)
        def score(features):
            logits = tf.cast(self.model(features, training=False), tf.float32)
            labels = tf.cast(features["targets"], tf.int32)
            log_probs = tf.nn.log_softmax(logits)
            picked = tf.gather(log_probs, labels, axis=-1, batch_dims=2)
            real = tf.cast(tf.not_equal(labels, PAD_ID), tf.float32)
            return tf.reduce_sum(picked * real, -1), tf.reduce_sum(real, -1)

        self._score = score

    def __call__(self, targets: np.ndarray, inputs: np.ndarray | None = None):
        features = {"targets": tf.constant(targets, tf.int64)}
        if inputs is not None:
            features["inputs"] = tf.constant(inputs, tf.int64)
        sums, counts = self._score(features)
        return sums.numpy().astype(np.float64), counts.numpy()


def _padded(sequences: list[list[int]]) -> np.ndarray:
    width = max(1, max(len(s) for s in sequences))
    array = np.zeros([len(sequences), width], np.int64)
    for row, ids in enumerate(sequences):
        array[row, : len(ids)] = ids
    return array


def score_lines(
    model,
    lines: Sequence[str],
    vocabulary: dict,
    max_length: int,
    batch_size: int,
    mode: str = "loss",
    source: str = "--score_file",
) -> list[float]:
    """One score per line, in input order (see the module docstring for `mode`).

    Lines are `source<TAB>target` for a model with inputs, targets alone for a language
    model; `vocabulary` holds the problem's vocabularies by feature. Sources longer than
    `max_length` ids are cut as decoding cuts them; a target that does not fit is a
    `DataError` naming `source` and its line, as is a line without a tab.
    """
    if mode not in SCORE_MODES:
        raise ValueError(f"mode must be one of {SCORE_MODES}, got {mode!r}")
    scorer = PairScorer(model)
    sources, targets = split_score_lines(lines, scorer.has_inputs, source)
    try:
        target_ids = [ids + [EOS_ID] for ids in vocabulary["targets"].encode_batch(targets)]
    except ValueError as error:
        raise DataError(f"{source}: {error}") from None
    for number, ids in enumerate(target_ids, start=1):
        if len(ids) > max_length:
            raise DataError(
                f"{source}:{number}: the target has {len(ids)} ids with its EOS, more than the "
                f"model's max_length={max_length} (raise it with --hparams=max_length=N)"
            )
    source_ids = None
    if sources is not None:
        source_ids, _ = encode_lines(sources, vocabulary["inputs"], max_length)
        source_ids = [ids or [EOS_ID] for ids in source_ids]  # an empty source: EOS alone
    order = sorted(range(len(lines)), key=lambda i: -len(target_ids[i]))
    scores = [0.0] * len(lines)
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        inputs = None if source_ids is None else _padded([source_ids[i] for i in batch])
        sums, counts = scorer(_padded([target_ids[i] for i in batch]), inputs)
        for row, index in enumerate(batch):
            scores[index] = sums[row] if mode == "log_prob" else -sums[row] / counts[row]
    return [float(score) for score in scores]
