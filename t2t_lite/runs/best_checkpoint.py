"""A run's best checkpoint by an eval metric: a copy in `<output_dir>/best/` that
`--keep_checkpoint_max` never deletes, with `best/best.json` saying which step it is,
by which metric and value (what `--checkpoint_path=best` loads).

It is written from memory when a checkpoint is evaluated (by the trainer, or by a
separate `--schedule=continuous_eval` process): the weights, their moving averages and
the step, what inference needs. New files get their own names and `best.json` is replaced
last, so a reader always finds a whole checkpoint; the previous best's files are deleted
after that.
"""

import json
import os
from collections.abc import Callable

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
    write: Callable[[str], object],
    step: int,
    metric: str,
    value: float,
    minimize: bool,
) -> bool:
    """Writes the evaluated state as `<output_dir>/best/ckpt-<step>` with
    `write(prefix)` (a `tf.train.Checkpoint.write`: what was just evaluated, from memory,
    so a checkpoint file the trainer deletes meanwhile does not matter) if its `value` of
    `metric` beats the recorded best (or none is recorded, or the record is of another
    metric or direction). `best.json` is replaced after the files are whole; files of
    no record (an earlier write cut short, the previous best) are removed after it.
    Returns whether it did."""
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
    name = f"ckpt-{step}"
    try:
        write(os.path.join(best_dir, name))
    except (OSError, tf.errors.OpError) as error:
        logging.warning(
            "could not keep step %d as the best checkpoint: %s", step, first_line(error)
        )
        return False
    new_record = {"checkpoint": name, "step": step, "metric": metric, "value": value,
                  "minimize": minimize}  # fmt: skip
    fs.write_atomically(os.path.join(best_dir, BEST_FILE), json.dumps(new_record, indent=2) + "\n")
    for path in fs.glob(os.path.join(best_dir, "ckpt-*")):
        if not os.path.basename(path).startswith(f"{name}."):
            fs.remove(path)
    logging.info("best checkpoint by %s: step %d (%s %.6g)", metric, step, metric, value)
    return True
