"""T2T's `--schedule=continuous_eval`: a process beside a trainer that evaluates each new
checkpoint of its `--output_dir` once, writing the eval summaries where
`train_and_evaluate` writes them and keeping the run's best checkpoint."""

import time

import tensorflow as tf
from absl import logging

from t2t_lite.runs import RunDirError, check_output_dir
from t2t_lite.training.trainer import Trainer


def evaluate_checkpoint(trainer: Trainer, checkpoint: str) -> dict[str, float]:
    """Restores the weights, moving averages and step of `checkpoint` (the trainer
    process's) into `trainer` and evaluates them at that step, keeping them as the run's
    best if they are. The optimizer's state is not read, so the evaluator's
    `--mixed_precision` need not be the trainer's."""
    trainer.inference_state().read(checkpoint).expect_partial()
    metrics = trainer.evaluate(trainer.step)
    if trainer.is_chief:
        trainer.keep_if_best(trainer.step, metrics)
    return metrics


def continuous_eval(
    trainer: Trainer,
    train_steps: int,
    timeout_secs: float,
    poll_secs: float = 5.0,
) -> int:
    """Evaluates the newest checkpoint of `trainer.output_dir` each time one appears,
    until one at `train_steps` or beyond is evaluated, or no new checkpoint comes for
    `timeout_secs` (the first included, as T2T waits for it). A checkpoint that appears
    while another is evaluated is skipped for the newer, as T2T does. Returns how many
    were evaluated.

    Raises `RunDirError` if no checkpoint appeared at all within the timeout (the
    directory is not a run and did not become one), and if the run's `hparams.json`
    differs from `trainer.hparams`.
    """
    output_dir = trainer.output_dir
    evaluated = 0
    checked_run = False
    for checkpoint in tf.train.checkpoints_iterator(
        output_dir, min_interval_secs=poll_secs, timeout=timeout_secs
    ):
        if not checked_run:
            check_output_dir(output_dir, trainer.hparams)  # the trainer's own hparams
            checked_run = True
        start = time.monotonic()
        try:
            evaluate_checkpoint(trainer, checkpoint)
        except tf.errors.NotFoundError:
            # The trainer deleted it (--keep_checkpoint_max) before it was read.
            logging.warning(
                "%s was deleted before it was evaluated; waiting for the next", checkpoint
            )
            continue
        evaluated += 1
        logging.info("evaluated %s in %.1f s", checkpoint, time.monotonic() - start)
        if trainer.step >= train_steps:
            logging.info("evaluated the final step %d (--train_steps)", trainer.step)
            break
    else:
        if not evaluated:
            raise RunDirError(
                f"--schedule=continuous_eval: no checkpoint appeared in --output_dir={output_dir} "
                f"within --eval_timeout_mins ({timeout_secs / 60:g} min); start the trainer "
                "with the same --output_dir, or raise the timeout"
            )
        logging.info("no new checkpoint for %.0f s: stopping", timeout_secs)
    return evaluated
