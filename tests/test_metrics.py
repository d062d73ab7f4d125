import numpy as np
import pytest
import tensorflow as tf

from t2t_lite.training import finish_metrics, metric_sums


def numpy_reference(targets, logits):
    """Token accuracy, per-sequence accuracy and mean NLL over non-pad tokens."""
    mask = targets != 0
    predictions = logits.argmax(-1)
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    nll = -np.take_along_axis(log_probs, targets[..., None], -1)[..., 0]
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
    }


def test_metrics_match_numpy_over_two_batches():
    rng = np.random.default_rng(3)
    batches = []
    for rows, length in ((5, 7), (4, 3)):
        targets = rng.integers(1, 6, size=(rows, length))
        targets[0, 4 % length :] = 0
        logits = rng.normal(size=(rows, length, 6)).astype(np.float32)
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
    all_logits = np.zeros((9, 7, 6), np.float32)
    all_targets[:5], all_logits[:5] = batches[0]
    all_targets[5:, :3], all_logits[5:, :3] = batches[1]
    reference = numpy_reference(all_targets, all_logits)
    for name, value in reference.items():
        assert metrics[name] == pytest.approx(value, rel=1e-5), name
    assert metrics["accuracy_per_sequence"] > 0
    assert float(sums["sequences"]) == 8
