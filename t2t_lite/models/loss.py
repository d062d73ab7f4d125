"""T2T's label-smoothed cross-entropy, averaged over non-padding target tokens."""

import math

import keras
import tensorflow as tf

from t2t_lite.ids import PAD_ID


def smoothed_cross_entropy(
    labels: tf.Tensor, logits: tf.Tensor, label_smoothing: float
) -> tf.Tensor:
    """Per-token cross-entropy against smoothed targets, as T2T's `smoothing_cross_entropy`.

    The true class gets `1 - label_smoothing`, the other `V - 1` classes share the rest.
    The entropy of that target distribution is subtracted, so a prediction equal to it
    scores 0.

    Args:
      labels: `[...]` integer ids.
      logits: `[..., V]`; computed in float32 whatever their dtype.
      label_smoothing: in `[0, 1)`.

    Returns:
      float32 `[...]`.
    """
    logits = tf.cast(logits, tf.float32)
    vocab_size = logits.shape[-1]
    confidence = 1.0 - label_smoothing
    low_confidence = label_smoothing / (vocab_size - 1)
    normalizing = -(
        confidence * math.log(confidence)
        + (vocab_size - 1) * low_confidence * math.log(low_confidence + 1e-20)
    )
    soft_targets = tf.one_hot(
        tf.cast(labels, tf.int32), vocab_size, on_value=confidence, off_value=low_confidence
    )
    xent = tf.nn.softmax_cross_entropy_with_logits(labels=soft_targets, logits=logits)
    return xent - normalizing


def weighted_cross_entropy_sums(
    labels: tf.Tensor, logits: tf.Tensor, weights: tf.Tensor, label_smoothing: float
) -> tuple[tf.Tensor, tf.Tensor]:
    """`(sum of per-token losses times weights, sum of weights)`: a model's loss over the
    positions its `loss_labels` weigh.

    Sums rather than a mean let a distributed trainer divide by the global token count.
    """
    weights = tf.cast(weights, tf.float32)
    losses = smoothed_cross_entropy(labels, logits, label_smoothing)
    return tf.reduce_sum(losses * weights), tf.reduce_sum(weights)


def padded_cross_entropy_sums(
    labels: tf.Tensor, logits: tf.Tensor, label_smoothing: float, pad_id: int = PAD_ID
) -> tuple[tf.Tensor, tf.Tensor]:
    """`(sum of per-token losses over non-pad tokens, number of non-pad tokens)`."""
    weights = tf.cast(tf.not_equal(labels, pad_id), tf.float32)
    return weighted_cross_entropy_sums(labels, logits, weights, label_smoothing)


def padded_cross_entropy(
    labels: tf.Tensor, logits: tf.Tensor, label_smoothing: float, pad_id: int = PAD_ID
) -> tf.Tensor:
    """Mean of `smoothed_cross_entropy` over non-pad tokens (0 if there are none)."""
    loss_sum, weight_sum = padded_cross_entropy_sums(labels, logits, label_smoothing, pad_id)
    return tf.math.divide_no_nan(loss_sum, weight_sum)


@keras.saving.register_keras_serializable(package="t2t_lite")
class PaddedCrossEntropy(keras.losses.Loss):
    """Keras loss for `model.compile`: `padded_cross_entropy(y_true, y_pred, label_smoothing)`.

    `y_true` are target ids `[batch, length]` (0 = pad), `y_pred` logits
    `[batch, length, vocab]`. The value is already a mean over non-pad tokens.
    """

    def __init__(
        self,
        label_smoothing: float = 0.1,
        pad_id: int = PAD_ID,
        name="padded_cross_entropy",
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        self.label_smoothing = label_smoothing
        self.pad_id = pad_id

    def call(self, y_true, y_pred):
        labels = tf.cast(y_true, tf.int32)
        return padded_cross_entropy(labels, y_pred, self.label_smoothing, self.pad_id)

    def get_config(self):
        config = super().get_config()
        config.update(label_smoothing=self.label_smoothing, pad_id=self.pad_id)
        return config
