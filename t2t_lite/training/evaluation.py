"""One evaluation's numbers: the metric sums over eval batches finished into T2T's
metrics, T2T's approx BLEU for translation, and sacreBLEU of the decoded dev split."""

import tensorflow as tf

from t2t_lite.hparams import HParams
from t2t_lite.problems import Problem
from t2t_lite.training.metrics import METRIC_SUM_NAMES, ApproxBleu, finish_metrics
from t2t_lite.training.steps import EvalStep


def eval_metrics(
    eval_step: EvalStep, dataset: tf.data.Dataset, approx_bleu: bool
) -> tuple[dict[str, float], int, int]:
    """`(metrics, batches, sequences)` over `dataset`; `approx_bleu` adds T2T's
    `approx_bleu_score` (`eval_step` must return predictions then). A corrupt record
    raises `tf.errors.DataLossError`."""
    sums = {name: tf.constant(0.0) for name in METRIC_SUM_NAMES}
    bleu = ApproxBleu() if approx_bleu else None
    batches = 0
    for batch in dataset:
        values = eval_step(batch)
        if bleu is not None:
            bleu.add(values.pop("labels").numpy(), values.pop("predictions").numpy())
        for name, value in values.items():
            sums[name] += value
        batches += 1
    metrics = finish_metrics(sums)
    if bleu is not None:
        metrics["approx_bleu_score"] = bleu.score()
    return metrics, batches, int(sums["sequences"])


def dev_bleu(
    model, problem: Problem, data_dir: str, max_length: int, decode_hparams: HParams
) -> float:
    """sacreBLEU of `problem`'s dev split decoded by `model` with `decode_hparams` (its
    first `num_samples` examples, 0: all)."""
    import sacrebleu

    from t2t_lite import decoding

    decoder = decoding.IdDecoder(model, decoding.strategy_from_decode_hparams(decode_hparams))
    outputs, targets = decoding.decode_dev_texts(
        problem,
        data_dir,
        problem.feature_vocabulary(data_dir),
        decoder,
        max_length,
        decode_hparams.batch_size,
        decode_hparams.num_samples,
    )
    return float(sacrebleu.corpus_bleu(outputs, [targets]).score)
