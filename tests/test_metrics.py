import numpy as np
import pytest
import tensorflow as tf

from t2t_lite.training import finish_metrics, metric_sums


def numpy_reference(targets, logits):
    """Token accuracy, per-sequence accuracy, mean NLL and top-5 accuracy (the target
    among the 5 highest logits) over non-pad tokens."""
    mask = targets != 0
    predictions = logits.argmax(-1)
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    nll = -np.take_along_axis(log_probs, targets[..., None], -1)[..., 0]
    top5 = (np.argsort(-logits, axis=-1)[..., :5] == targets[..., None]).any(-1)
    rows = mask.any(1)
    sequence_ok = [
        (predictions[i][mask[i]] == targets[i][mask[i]]).all()
        for i in range(len(targets))
        if rows[i]
    ]
    return {
        "accuracy": (predictions == targets)[mask].mean(),
        "accuracy_per_sequence": np.mean(sequence_ok),
        "neg_log_perplexity": -nll[mask].mean(),
        "accuracy_top5": top5[mask].mean(),
    }


def test_metrics_match_numpy_over_two_batches():
    rng = np.random.default_rng(3)
    batches = []
    for rows, length in ((5, 7), (4, 3)):
        targets = rng.integers(1, 9, size=(rows, length))
        targets[0, 4 % length :] = 0
        logits = rng.normal(size=(rows, length, 9)).astype(np.float32)
        # Make two sequences fully right, so per-sequence accuracy is not trivially 0.
        for row in (1, 2):
            logits[row, np.arange(length), targets[row]] += 20.0
        batches.append((targets, logits))
    batches[1][0][3] = 0  # an all-padding row is not a sequence
    sums = None
    for targets, logits in batches:
        batch_sums = metric_sums(tf.constant(targets), tf.constant(logits), 0.0)
        sums = batch_sums if sums is None else {k: sums[k] + batch_sums[k] for k in sums}
    metrics = finish_metrics(sums)
    all_targets = np.zeros((9, 7), np.int64)
    all_logits = np.zeros((9, 7, 9), np.float32)
    all_targets[:5], all_logits[:5] = batches[0]
    all_targets[5:, :3], all_logits[5:, :3] = batches[1]
    reference = numpy_reference(all_targets, all_logits)
    for name, value in reference.items():
        assert metrics[name] == pytest.approx(value, rel=1e-5), name
    assert metrics["accuracy_per_sequence"] > 0
    assert metrics["accuracy"] < metrics["accuracy_top5"] < 1
    assert float(sums["sequences"]) == 8


def test_a_classifiers_metrics_count_each_example_once_and_top5_needs_six_classes():
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 10, size=12)  # class 0 is a class here, not padding
    logits = rng.normal(size=(12, 10)).astype(np.float32)
    weights = tf.ones([12])
    sums = metric_sums(tf.constant(labels), tf.constant(logits), 0.0, weights=weights)
    metrics = finish_metrics(sums)
    assert float(sums["tokens"]) == 12
    # The NumPy reference treats id 0 as padding: shift the classes up by one id whose
    # logit can never be chosen.
    never = np.full((12, 1), -1e9, np.float32)
    reference = numpy_reference(labels[:, None] + 1, np.concatenate([never, logits], 1)[:, None])
    for name in ("accuracy", "accuracy_top5", "neg_log_perplexity"):
        assert metrics[name] == pytest.approx(reference[name], rel=1e-5), name
    five = finish_metrics(
        metric_sums(tf.constant(labels % 5), tf.constant(logits[:, :5]), 0.0, weights=weights)
    )
    assert "accuracy_top5" not in five
