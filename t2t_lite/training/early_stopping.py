"""Early stopping on an eval metric, T2T's `--eval_early_stopping_*` flags: the metric's
history is read back from the run's eval summaries (whoever wrote them: the trainer, or
a separate `continuous_eval` process), and training stops once it has not improved by
`delta` within `steps` steps. The same metric picks the run's best checkpoint."""

import dataclasses
import glob
import os

import tensorflow as tf

from t2t_lite.errors import T2TLiteError

# The eval metrics by name; a translation model adds approx_bleu_score, --eval_bleu bleu.
BASE_METRICS = (
    "loss",
    "neg_log_perplexity",
    "perplexity",
    "accuracy",
    "accuracy_per_sequence",
    "accuracy_top5",
)


class EvalMetricError(T2TLiteError):
    """An eval metric name the run does not compute."""


def resolve_metric(name: str, problem_name: str, known: list[str]) -> str:
    """The summary tag of the metric `name`: `loss`, T2T's
    `metrics-<problem>/targets/<metric>`, or `<metric>` itself; `EvalMetricError` names
    the known ones for any other."""
    plain = name.removeprefix(f"metrics-{problem_name}/targets/")
    if plain not in known:
        raise EvalMetricError(
            f"--eval_early_stopping_metric={name}: not an eval metric of this run; known: "
            + ", ".join(m if m == "loss" else f"metrics-{problem_name}/targets/{m}" for m in known)
        )
    return plain


def eval_history(output_dir: str, tag: str) -> list[tuple[int, float]]:
    """`(step, value)` of every `tag` scalar in `<output_dir>/eval`'s event files, by step
    (the latest value for a step evaluated twice)."""
    values = {}
    for path in sorted(glob.glob(os.path.join(output_dir, "eval", "events.out.tfevents.*"))):
        try:
            for record in tf.data.TFRecordDataset(path):
                event = tf.compat.v1.Event.FromString(record.numpy())
                for value in event.summary.value:
                    if value.tag == tag:
                        values[event.step] = float(tf.make_ndarray(value.tensor))
        except tf.errors.DataLossError:
            continue  # a file being written: its whole records were read
    return sorted(values.items())


def has_metric_plateaued(
    history: list[tuple[int, float]], num_steps: int, delta: float, minimize: bool
) -> bool:
    """T2T's rule (`metrics_hook.has_metric_plateaued`): with the last evaluation at
    step S, take the latest evaluation at or before S - num_steps as the start; the
    metric has plateaued if no evaluation since improved on it by `delta` or more.
    False while no evaluation is that old."""
    if len(history) < 2:
        return False
    last_step = history[-1][0]
    old_enough = [i for i, (step, _) in enumerate(history) if step <= last_step - num_steps]
    if not old_enough:
        return False
    start = old_enough[-1]
    start_value = history[start][1]
    for _, value in history[start:]:
        gain = start_value - value if minimize else value - start_value
        if gain >= delta:
            return False
    return True


@dataclasses.dataclass
class EarlyStopping:
    """T2T's early-stopping flags. `steps` 0 keeps training to the end (the metric still
    picks the best checkpoint). `metric` is a summary tag (`resolve_metric`)."""

    steps: int = 0
    metric: str = "loss"
    delta: float = 0.1
    minimize: bool = True

    def should_stop(self, output_dir: str) -> bool:
        if not self.steps:
            return False
        history = eval_history(output_dir, self.metric)
        return has_metric_plateaued(history, self.steps, self.delta, self.minimize)
