"""A run's best checkpoint by an eval metric: a copy in `<output_dir>/best/` that
`--keep_checkpoint_max` never deletes, with `best/best.json` saying which step it is,
by which metric and value (what `--checkpoint_path=best` loads).

The copy is made when the checkpoint is evaluated (by the trainer, or by a separate
`--schedule=continuous_eval` process). New files are copied under their own names and
`best.json` is replaced last, so a reader always finds a whole checkpoint; the previous
best's files are deleted after that.
"""

import json
import os

import tensorflow as tf
from absl import logging

from t2t_lite.errors import first_line
from t2t_lite.runs.errors import CheckpointError
from t2t_lite.utils import file_system as fs

BEST_DIR = "best"
BEST_FILE = "best.json"
# What `--checkpoint_path` takes for the best checkpoint.
BEST = "best"


def read_best(output_dir: str) -> dict | None:
    """The record in `<output_dir>/best/best.json`, or None if there is none."""
    path = os.path.join(output_dir, BEST_DIR, BEST_FILE)
    if not fs.exists(path):
        return None
    try:
        record = json.loads(fs.read_text(path))
    except json.JSONDecodeError as error:
        raise CheckpointError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(record, dict) or not {"checkpoint", "metric", "value"} <= set(record):
        raise CheckpointError(f"{path}: not a best-checkpoint record")
    return record


def best_checkpoint(output_dir: str) -> str:
    """The prefix of the run's best checkpoint (`--checkpoint_path=best`)."""
    record = read_best(output_dir)
    if record is None:
        raise CheckpointError(
            f"--checkpoint_path=best: {output_dir} has no best checkpoint yet "
            f"({os.path.join(output_dir, BEST_DIR, BEST_FILE)} is missing): it is kept when "
            "a checkpoint is evaluated (--schedule=train_and_evaluate or continuous_eval)"
        )
    return os.path.join(output_dir, BEST_DIR, record["checkpoint"])


def is_better(value: float, best: float, minimize: bool) -> bool:
    return value < best if minimize else value > best


def keep_if_best(
    output_dir: str,
    checkpoint: str,
    step: int,
    metric: str,
    value: float,
    minimize: bool,
) -> bool:
    """Copies `checkpoint` into `<output_dir>/best/` if its `value` of `metric` beats
    the recorded best (or none is recorded, or the record is of another metric).
    Returns whether it did. A checkpoint deleted before it could be copied (a trainer
    keeping few) is logged and skipped."""
    record = read_best(output_dir)
    if (
        record is not None
        and record["metric"] == metric
        and record.get("minimize", True) == minimize
        and not is_better(value, float(record["value"]), minimize)
    ):
        return False
    best_dir = os.path.join(output_dir, BEST_DIR)
    fs.makedirs(best_dir)
    name = os.path.basename(checkpoint)
    try:
        sources = fs.glob(f"{checkpoint}.data-*") + [f"{checkpoint}.index"]
        for source in sources:
            target = os.path.join(best_dir, os.path.basename(source))
            with fs.atomic_output(target) as tmp:
                fs.copy(source, tmp)
    except (OSError, tf.errors.OpError) as error:
        logging.warning(
            "could not keep %s as the best checkpoint: %s", checkpoint, first_line(error)
        )
        return False
    new_record = {
        "checkpoint": name,
        "step": step,
        "metric": metric,
        "value": value,
        "minimize": minimize,
    }
    fs.write_atomically(os.path.join(best_dir, BEST_FILE), json.dumps(new_record, indent=2) + "\n")
    if record is not None and record["checkpoint"] != name:
        for old in fs.glob(os.path.join(best_dir, f"{record['checkpoint']}.*")):
            fs.remove(old)
    logging.info("best checkpoint by %s: %s (%s %.6g)", metric, checkpoint, metric, value)
    return True
