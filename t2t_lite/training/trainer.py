"""The training run: a Transformer, its optimizer and checkpoints under a `tf.distribute`
strategy; steps-based training with periodic checkpoints, evaluation, progress lines and
TensorBoard summaries; clean stops on SIGTERM."""

import dataclasses
import tempfile
import time

import numpy as np
import tensorflow as tf
from absl import logging

from t2t_lite.errors import T2TLiteError
from t2t_lite.hparams import HParams
from t2t_lite.problems import DEV, Problem
from t2t_lite.runs import (
    RunCheckpoints,
    keep_if_best,
    make_checkpoint,
    model_from_hparams,
    warm_start,
)
from t2t_lite.training.early_stopping import BASE_METRICS, EarlyStopping
from t2t_lite.training.evaluation import dev_bleu, eval_metrics
from t2t_lite.training.learning_rate import T2TLearningRateSchedule
from t2t_lite.training.moving_average import WeightMovingAverage, moving_average_decay
from t2t_lite.training.optimizer import accumulate_steps, make_optimizer
from t2t_lite.training.preemption import SigtermFlag
from t2t_lite.training.steps import EvalStep, TrainStep
from t2t_lite.training.strategy import is_chief
from t2t_lite.training.summaries import ScalarSummaries
from t2t_lite.utils import file_system as fs

MIXED_PRECISION = ("none", "mixed_float16", "mixed_bfloat16")


class NonFiniteLossError(T2TLiteError):
    """Training diverged: a step's loss was NaN or Inf."""


@dataclasses.dataclass
class TrainerOptions:
    """How a run trains, as opposed to what it trains (hparams).

    Attributes:
      eval_steps: eval batches per evaluation; 0 for the whole dev split.
      local_eval_frequency: steps between checkpoints (and evaluations).
      keep_checkpoint_max: checkpoints kept in `output_dir`.
      log_step_count_steps: steps between progress lines and train summaries.
      seed: shuffling seed (offset by the step on resume, so data is not replayed).
      mixed_precision: one of `MIXED_PRECISION`.
      xla: jit-compile the forward and backward pass (batches then have static shapes).
      skip_corrupt_records: train and evaluate on the records before the first corrupt
        one of each file, logging what is skipped; otherwise a corrupt file is an error
        that names it.
      early_stopping: when to stop on an eval metric; that metric (default: loss,
        minimized) also picks the checkpoint kept as the run's best.
      eval_bleu_decode_hparams: decode hparams to decode the dev split with at each
        evaluation, for sacreBLEU (`bleu`); None for none (a translation model's eval
        has T2T's `approx_bleu_score` anyway).
    """

    eval_steps: int = 100
    local_eval_frequency: int = 1000
    keep_checkpoint_max: int = 20
    log_step_count_steps: int = 100
    seed: int = 0
    mixed_precision: str = "none"
    xla: bool = False
    skip_corrupt_records: bool = False
    early_stopping: EarlyStopping = dataclasses.field(default_factory=EarlyStopping)
    eval_bleu_decode_hparams: HParams | None = None


class Trainer:
    """Trains and evaluates the Transformer of `hparams` on `problem`.

    Args:
      problem: where batches come from (`problem.dataset`).
      hparams: from `with_problem_hparams`.
      data_dir: the problem's generated files.
      output_dir: checkpoints and summaries (`train/`, `eval/`). Only the chief writes
        there; other workers of a multi-worker run write checkpoints to a temporary
        directory (every worker must take part in saving) and delete it.
      strategy: the `tf.distribute` strategy; the model is built in its scope.
      options: `TrainerOptions`.

    On creation the latest checkpoint in `output_dir`, if any, is restored (weights,
    optimizer slots and step).
    """

    def __init__(
        self,
        problem: Problem,
        hparams: HParams,
        data_dir: str,
        output_dir: str,
        strategy: tf.distribute.Strategy,
        options: TrainerOptions | None = None,
    ):
        self.problem = problem
        self.hparams = hparams
        self.data_dir = data_dir
        self.output_dir = output_dir
        self.strategy = strategy
        self.options = options or TrainerOptions()
        if self.options.mixed_precision not in MIXED_PRECISION:
            raise ValueError(f"mixed_precision must be one of {MIXED_PRECISION}")
        self.is_chief = is_chief(strategy)
        self.static_shapes = self.options.xla or isinstance(strategy, tf.distribute.TPUStrategy)
        with strategy.scope():
            self.model = model_from_hparams(hparams, self.options.mixed_precision)
            self.optimizer = make_optimizer(hparams, self.options.mixed_precision)
            self.optimizer.build(self.model.trainable_variables)
            decay = moving_average_decay(hparams)
            self.moving_average = WeightMovingAverage(self.model, decay) if decay else None
        self.train_step = TrainStep(
            self.model,
            self.optimizer,
            strategy,
            hparams.label_smoothing,
            jit_compile=self.options.xla,
            moving_average=self.moving_average,
            accumulate_steps=accumulate_steps(hparams),
        )
        self.checkpoint = make_checkpoint(
            self.model,
            # Accumulated gradients are optimizer state: a run stopped between updates
            # resumes with the micro-batches it had.
            [*self.optimizer.variables, *self.train_step.accumulated],
            step=self.train_step.micro_batches,
            moving_average=self.moving_average and self.moving_average.averages,
        )
        self.schedule = T2TLearningRateSchedule.from_hparams(hparams)
        self._checkpoint_dir = (
            output_dir if self.is_chief else tempfile.mkdtemp(prefix="t2t_worker_ckpt_")
        )
        self.checkpoints = RunCheckpoints(
            self.checkpoint, output_dir, self._checkpoint_dir, self.options.keep_checkpoint_max
        )
        self.manager = self.checkpoints.manager
        self.restored_from = self.checkpoints.restore_newest_readable()
        if self.step and int(self.optimizer.iterations.numpy()) == 0:
            # A checkpoint without optimizer state (t2t-import's) restored the step alone:
            # the schedule goes on from it, and the moving averages start from the weights.
            self.optimizer.iterations.assign(self.step // self.train_step.accumulate_steps)
            if self.moving_average is not None:
                self.moving_average.reset()
        if self.restored_from:
            logging.info("resumed from %s at step %d", self.restored_from, self.step)
        # Translation (an encoder-decoder of text): T2T's approx BLEU in every eval.
        self.translates = (
            self.model.task == "generation"
            and self.model.decode_input.vocabulary == "inputs"
            and not getattr(problem, "image_shape", None)
        )
        self.eval_step = EvalStep(
            self.model, hparams.label_smoothing, with_predictions=self.translates
        )
        self.summaries = ScalarSummaries(output_dir, write=self.is_chief)

    def eval_metric_names(self) -> list[str]:
        """The metrics each evaluation of this run reports."""
        names = list(BASE_METRICS)
        if self.translates:
            names.append("approx_bleu_score")
            if self.options.eval_bleu_decode_hparams is not None:
                names.append("bleu")
        return names

    # -- checkpoints --------------------------------------------------------------------
    def warm_start(self, path: str) -> None:
        """Initializes the model's weights (not the optimizer) from a checkpoint file or
        the latest checkpoint of a directory, as T2T's `--warm_start_from`. Moving
        averages of the weights start from them."""
        from t2t_lite.t2t_import import is_t2t_run, load_t2t_weights

        if is_t2t_run(path):  # T2T's own run directory or checkpoint
            checkpoint = warm_start(self.model, path, load=load_t2t_weights)
            logging.info("warm-started the model weights from T2T's %s", checkpoint)
        else:
            checkpoint = warm_start(self.model, path)
            logging.info("warm-started the model weights from %s", checkpoint)
        if self.moving_average is not None:
            self.moving_average.reset()

    @property
    def step(self) -> int:
        """Micro-batches trained on so far (the global step: the optimizer's updates,
        unless it accumulates gradients, as T2T's multistep_adam counts)."""
        return int(self.train_step.micro_batches.numpy())

    def weights_fingerprint(self) -> float:
        """Sum of every model weight in float64: equal on workers that hold the same
        weights (logged at the end of training, to compare workers)."""
        return float(sum(np.sum(np.asarray(v.numpy(), np.float64)) for v in self.model.weights))

    def save(self, step: int) -> None:
        path = self.checkpoints.save(step)
        if self.is_chief:
            logging.info("saved checkpoint %s", path)
        else:
            fs.remove(self._checkpoint_dir)

    # -- training -----------------------------------------------------------------------
    def _train_dataset(self, start_step: int):
        def dataset_fn(input_context):
            return self.problem.dataset(
                "train",
                self.data_dir,
                self.hparams,
                seed=self.options.seed + start_step,
                input_context=input_context,
                static_shapes=self.static_shapes,
                skip_corrupt_records=self.options.skip_corrupt_records,
            )

        return self.strategy.distribute_datasets_from_function(dataset_fn)

    def train(self, train_steps: int, evaluate: bool = False) -> str:
        """Trains until the global step reaches `train_steps`, saving a checkpoint every
        `local_eval_frequency` steps and at the end (then evaluating, if `evaluate`).

        Returns "done", "preempted" when SIGTERM arrived (a checkpoint was saved), or
        "early_stopped" when the early-stopping metric stopped improving.
        """
        if evaluate:  # before training, not after the first checkpoint
            self.problem.require_split(self.data_dir, DEV, "evaluation (train_and_evaluate)")
        step = self.step
        if step >= train_steps:
            logging.info(
                "already at step %d >= --train_steps=%d; nothing to train", step, train_steps
            )
            return "done"
        options = self.options
        iterator = iter(self._train_dataset(step))
        window_loss, window_tokens, window_steps = 0.0, 0.0, 0
        window_start = time.monotonic()
        multi_worker = isinstance(self.strategy, tf.distribute.MultiWorkerMirroredStrategy)
        stop_requested = False
        with SigtermFlag() as sigterm:
            while step < train_steps:
                if sigterm.received and not stop_requested:
                    self.train_step.stop_request.assign(1.0)  # voted on in the next step
                    stop_requested = True
                try:
                    loss_sum, tokens = self.train_step(iterator)
                except tf.errors.DataLossError:
                    raise self.problem.corruption_error(self.data_dir, "train") from None
                step += 1
                window_loss += loss_sum
                window_tokens += tokens
                window_steps += 1
                # Workers of a synchronous job must all stop after the same step (saving
                # is collective), so they follow the vote rather than their own signal.
                stopping = (
                    bool(self.train_step.stop_agreed.numpy()) if multi_worker else sigterm.received
                )
                must_log = step % options.log_step_count_steps == 0 or step == train_steps
                must_save = (
                    stopping or step % options.local_eval_frequency == 0 or step == train_steps
                )
                if must_log or must_save:
                    self._stop_if_nonfinite(step)
                if must_log:
                    self._log_progress(
                        step, train_steps, window_loss, window_tokens, window_steps, window_start
                    )
                    window_loss, window_tokens, window_steps = 0.0, 0.0, 0
                    window_start = time.monotonic()
                if stopping:
                    logging.warning(
                        "SIGTERM %s: saving a checkpoint at step %d and stopping",
                        "received" if sigterm.received else "received by another worker",
                        step,
                    )
                    self.save(step)
                    return "preempted"
                if must_save:
                    self.save(step)
                    if evaluate:
                        self.evaluate(step, keep_best=True)
                    if step < train_steps and self._should_stop_early(step):
                        return "early_stopped"
        logging.info("step %d: weights fingerprint %.12g", step, self.weights_fingerprint())
        return "done"

    def _should_stop_early(self, step: int) -> bool:
        """Whether the eval history in `output_dir/eval` (this trainer's evaluations, or a
        continuous evaluator's) shows the early-stopping metric on a plateau."""
        stopping = self.options.early_stopping
        if not stopping.should_stop(self.output_dir):
            return False
        logging.warning(
            "early stopping at step %d: eval %s has not %s by %g in %d steps",
            step,
            stopping.metric,
            "decreased" if stopping.minimize else "increased",
            stopping.delta,
            stopping.steps,
        )
        return True

    def _stop_if_nonfinite(self, step: int) -> None:
        """Raises `NonFiniteLossError` if some step since the start had a NaN or Inf loss
        (those steps changed nothing, and nothing was saved after them)."""
        first = int(self.train_step.first_nonfinite_step.numpy())
        if first < 0:
            return
        latest = self.manager.latest_checkpoint
        raise NonFiniteLossError(
            f"the loss became NaN or Inf at step {first}; stopped at step {step} without saving. "
            f"The latest checkpoint ({latest or 'none yet'}) is from before it. Lower the learning "
            "rate (learning_rate_constant, learning_rate_warmup_steps) or set clip_grad_norm in "
            "--hparams, then rerun to resume from that checkpoint."
        )

    def _log_progress(self, step, train_steps, loss_sum, tokens, steps, start) -> None:
        tokens = float(tokens)
        seconds = max(time.monotonic() - start, 1e-9)
        loss = float(loss_sum) / max(tokens, 1.0)
        learning_rate = float(self.schedule(step - 1))
        logging.info(
            "step %d/%d: loss %.4f, learning rate %.3g, %.0f tokens/s, %.3f s/step",
            step,
            train_steps,
            loss,
            learning_rate,
            tokens / seconds,
            seconds / steps,
        )
        self.summaries.scalars(
            "train",
            step,
            {"loss": loss, "learning_rate": learning_rate, "tokens_per_second": tokens / seconds},
        )

    # -- evaluation ---------------------------------------------------------------------
    def evaluate(self, step: int | None = None, keep_best: bool = False) -> dict[str, float]:
        """Metrics on the dev split (`eval_steps` batches, or all), logged, printed and
        written to `output_dir/eval`; of the moving averages of the weights if the run
        keeps them (what decoding and export use). With `keep_best`, the latest
        checkpoint is kept as the run's best if it is (by the early-stopping metric)."""
        if self.moving_average is None:
            metrics = self._evaluate(step)
        else:
            with self.moving_average.swapped_in():
                metrics = self._evaluate(step)
        if keep_best and self.is_chief:
            self.keep_if_best(self.step, metrics)
        return metrics

    def inference_state(self) -> tf.train.Checkpoint:
        """A checkpoint of what inference reads: the weights, their moving averages, the
        step (no optimizer state)."""
        return make_checkpoint(
            self.model,
            step=self.train_step.micro_batches,
            moving_average=self.moving_average and self.moving_average.averages,
        )

    def keep_if_best(self, step: int, metrics: dict[str, float]) -> bool:
        """Writes the evaluated weights (and moving averages) as the run's best if their
        metrics beat the best's."""
        stopping = self.options.early_stopping
        if stopping.metric not in metrics:
            logging.warning("no eval %s to pick the best checkpoint by", stopping.metric)
            return False
        return keep_if_best(
            self.output_dir,
            self.inference_state().write,
            step,
            stopping.metric,
            metrics[stopping.metric],
            stopping.minimize,
        )

    def _evaluate(self, step: int | None) -> dict[str, float]:
        step = self.step if step is None else step
        dataset = self.problem.dataset(
            "eval",
            self.data_dir,
            self.hparams,
            seed=self.options.seed,
            skip_corrupt_records=self.options.skip_corrupt_records,
        )
        if self.options.eval_steps:
            dataset = dataset.take(self.options.eval_steps)
        try:
            metrics, batches, sequences = eval_metrics(self.eval_step, dataset, self.translates)
        except tf.errors.DataLossError:
            raise self.problem.corruption_error(self.data_dir, "dev") from None
        if self.translates and self.options.eval_bleu_decode_hparams is not None:
            metrics["bleu"] = dev_bleu(
                self.model,
                self.problem,
                self.data_dir,
                self.hparams.max_length,
                self.options.eval_bleu_decode_hparams,
            )
        text = ", ".join(f"{name} {value:.4f}" for name, value in metrics.items())
        print(
            f"eval at step {step} ({batches} batches, {sequences} sequences): {text}",
            flush=True,
        )
        self.summaries.scalars("eval", step, metrics)
        return metrics

    def close(self) -> None:
        self.summaries.close()
        if not self.is_chief:
            fs.remove(self._checkpoint_dir)
