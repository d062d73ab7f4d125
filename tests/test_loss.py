import numpy as np
import pytest
import tensorflow as tf

from t2t_lite.models import PaddedCrossEntropy, padded_cross_entropy, smoothed_cross_entropy


def numpy_kl_to_smoothed_targets(labels, logits, smoothing):
    """KL(smoothed one-hot || softmax(logits)): what T2T's normalised loss equals."""
    vocab = logits.shape[-1]
    target = np.full(logits.shape, smoothing / (vocab - 1))
    np.put_along_axis(target, labels[..., None], 1.0 - smoothing, axis=-1)
    log_q = logits - logits.max(-1, keepdims=True)
    log_q = log_q - np.log(np.exp(log_q).sum(-1, keepdims=True))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_p = np.where(target > 0, np.log(target), 0.0)
    return (target * (log_p - log_q)).sum(-1)


@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.3])
def test_matches_kl_divergence_reference(smoothing):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 9, size=(3, 5))
    logits = rng.normal(size=(3, 5, 9)) * 3
    got = smoothed_cross_entropy(tf.constant(labels), tf.constant(logits, tf.float32), smoothing)
    np.testing.assert_allclose(
        got.numpy(), numpy_kl_to_smoothed_targets(labels, logits, smoothing), rtol=1e-4, atol=1e-5
    )


def test_perfect_prediction_scores_zero():
    labels = np.array([[2, 3, 1]])
    vocab, smoothing = 6, 0.1
    target = np.full((1, 3, vocab), smoothing / (vocab - 1))
    np.put_along_axis(target, labels[..., None], 1 - smoothing, axis=-1)
    loss = smoothed_cross_entropy(
        tf.constant(labels), tf.constant(np.log(target), tf.float32), smoothing
    )
    np.testing.assert_allclose(loss.numpy(), 0.0, atol=1e-5)


def test_mean_over_non_pad_tokens_only():
    rng = np.random.default_rng(1)
    labels = np.array([[4, 5, 1, 0, 0], [3, 1, 0, 0, 0]])
    logits = rng.normal(size=(2, 5, 7)).astype(np.float32)
    per_token = numpy_kl_to_smoothed_targets(labels, logits.astype(np.float64), 0.1)
    want = per_token[labels != 0].mean()
    got = padded_cross_entropy(tf.constant(labels), tf.constant(logits), 0.1)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5)
    keras_loss = PaddedCrossEntropy(label_smoothing=0.1)
    np.testing.assert_allclose(keras_loss(labels, logits).numpy(), want, rtol=1e-5)
    assert PaddedCrossEntropy.from_config(keras_loss.get_config()).label_smoothing == 0.1


def test_all_padding_gives_zero_not_nan():
    loss = padded_cross_entropy(tf.zeros([2, 3], tf.int32), tf.zeros([2, 3, 5]), 0.1)
    assert loss.numpy() == 0.0


def test_half_precision_logits_are_computed_in_float32():
    logits = tf.constant(np.random.default_rng(2).normal(size=(1, 4, 5)), tf.bfloat16)
    loss = smoothed_cross_entropy(tf.constant([[1, 2, 3, 4]]), logits, 0.1)
    assert loss.dtype == tf.float32
