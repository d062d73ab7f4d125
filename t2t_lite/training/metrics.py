"""Evaluation metrics as sums over batches, finished into T2T's averages at the end (so
batches of any size and padding weigh by their tokens and sequences)."""

import collections
import math

import numpy as np
import tensorflow as tf

from t2t_lite.ids import PAD_ID
from t2t_lite.models.loss import weighted_cross_entropy_sums

METRIC_SUM_NAMES = (
    "loss_sum",
    "nll_sum",
    "tokens",
    "correct_tokens",
    "sequences",
    "correct_sequences",
    "top5_counted",
    "top5_correct",
)


def metric_sums(
    targets: tf.Tensor,
    logits: tf.Tensor,
    label_smoothing: float,
    pad_id: int = PAD_ID,
    weights: tf.Tensor | None = None,
) -> dict:
    """Sums for one batch of `targets [batch, length]` and `logits [batch, length, vocab]`
    (a classifier's `[batch]` and `[batch, classes]`: one position each), over the
    positions `weights` count (default: the non-pad ones).

    A sequence counts as correct when the argmax is right at every counted position
    (teacher-forced, as T2T's `accuracy_per_sequence`). Rows with nothing counted do not
    count as sequences.
    """
    targets = tf.cast(targets, tf.int32)
    if weights is None:
        weights = tf.not_equal(targets, pad_id)
    weights = tf.cast(weights, tf.float32)
    if targets.shape.rank == 1:
        targets, logits, weights = targets[:, None], logits[:, None], weights[:, None]
    loss_sum, tokens = weighted_cross_entropy_sums(targets, logits, weights, label_smoothing)
    nll_sum, _ = weighted_cross_entropy_sums(targets, logits, weights, 0.0)
    correct = tf.cast(
        tf.equal(tf.argmax(logits, axis=-1, output_type=tf.int32), targets), tf.float32
    )
    wrong_per_sequence = tf.reduce_sum((1.0 - correct) * weights, axis=1)
    has_tokens = tf.cast(tf.reduce_sum(weights, axis=1) > 0, tf.float32)
    # Top-5 is counted where there are more than 5 classes (or ids) to choose from.
    if logits.shape[-1] > 5:
        vocab = logits.shape[-1]
        in_top5 = tf.math.in_top_k(
            tf.reshape(targets, [-1]), tf.reshape(tf.cast(logits, tf.float32), [-1, vocab]), 5
        )
        top5_correct = tf.reduce_sum(
            tf.reshape(tf.cast(in_top5, tf.float32), [-1]) * tf.reshape(weights, [-1])
        )
        top5_counted = tokens
    else:
        top5_correct = top5_counted = tf.constant(0.0)
    return {
        "loss_sum": loss_sum,
        "nll_sum": nll_sum,
        "tokens": tokens,
        "correct_tokens": tf.reduce_sum(correct * weights),
        "sequences": tf.reduce_sum(has_tokens),
        "correct_sequences": tf.reduce_sum(
            has_tokens * tf.cast(wrong_per_sequence == 0, tf.float32)
        ),
        "top5_counted": top5_counted,
        "top5_correct": top5_correct,
    }


def finish_metrics(sums: dict) -> dict[str, float]:
    """`loss` (label-smoothed, as trained), `neg_log_perplexity` (T2T's: minus the mean
    token cross-entropy, EOS included), `perplexity` (its exp), `accuracy` (per token;
    a classifier's per example), `accuracy_per_sequence` and, with more than 5 classes,
    `accuracy_top5`, from sums accumulated over the eval set."""
    tokens = max(float(sums["tokens"]), 1.0)
    sequences = max(float(sums["sequences"]), 1.0)
    neg_log_perplexity = -float(sums["nll_sum"]) / tokens
    metrics = {
        "loss": float(sums["loss_sum"]) / tokens,
        "neg_log_perplexity": neg_log_perplexity,
        "perplexity": math.exp(min(-neg_log_perplexity, 700.0)),
        "accuracy": float(sums["correct_tokens"]) / tokens,
        "accuracy_per_sequence": float(sums["correct_sequences"]) / sequences,
    }
    if float(sums.get("top5_counted", 0.0)) > 0:
        metrics["accuracy_top5"] = float(sums["top5_correct"]) / float(sums["top5_counted"])
    return metrics


class ApproxBleu:
    """T2T's `approx_bleu_score`: BLEU-4 of the teacher-forced argmax ids against the
    target ids (T2T's `bleu_hook.compute_bleu`, its smoothing of orders without a match
    included), in [0, 1]. T2T scores each batch's padded rows and averages over batches;
    this counts each target's own positions (EOS included) and scores the whole eval set
    at once, so batching and padding do not change it."""

    max_order = 4

    def __init__(self):
        self.matches = [0] * self.max_order
        self.possible = [0] * self.max_order
        self.reference_length = 0
        self.translation_length = 0

    @classmethod
    def _ngrams(cls, ids: list[int]) -> collections.Counter:
        counts = collections.Counter()
        for order in range(1, cls.max_order + 1):
            for start in range(len(ids) - order + 1):
                counts[tuple(ids[start : start + order])] += 1
        return counts

    def add(self, labels: np.ndarray, predictions: np.ndarray) -> None:
        """Counts a batch: `labels` and `predictions` `[batch, length]` ids; a row's
        positions are those where its label is not padding."""
        for label_row, prediction_row in zip(labels, predictions, strict=True):
            keep = label_row != PAD_ID
            reference = label_row[keep].tolist()
            translation = prediction_row[keep].tolist()
            self.reference_length += len(reference)
            self.translation_length += len(translation)
            reference_counts, translation_counts = (
                self._ngrams(reference),
                self._ngrams(translation),
            )
            for ngram, count in reference_counts.items():
                self.matches[len(ngram) - 1] += min(count, translation_counts[ngram])
            for ngram, count in translation_counts.items():
                self.possible[len(ngram) - 1] += count

    def score(self) -> float:
        precisions = [0.0] * self.max_order
        smooth = 1.0
        for i in range(self.max_order):
            if self.possible[i] > 0:
                if self.matches[i] > 0:
                    precisions[i] = self.matches[i] / self.possible[i]
                else:
                    smooth *= 2
                    precisions[i] = 1.0 / (smooth * self.possible[i])
        geo_mean = 0.0
        if max(precisions) > 0:
            geo_mean = math.exp(sum(math.log(p) for p in precisions if p) / self.max_order)
        brevity = 1.0
        if self.reference_length:
            ratio = self.translation_length / self.reference_length
            brevity = 0.0 if ratio <= 0 else math.exp(1 - 1 / ratio) if ratio < 1 else 1.0
        return geo_mean * brevity
