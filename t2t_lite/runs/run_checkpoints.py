"""A training run's checkpoints as the trainer uses them: resuming from the newest one that
can be read, and saving with an error that says what is left when a write fails."""

import os

import tensorflow as tf
from absl import logging

from t2t_lite.errors import first_line
from t2t_lite.runs.checkpoints import RESTORE_ERRORS, checkpoint_candidates, damaged_checkpoint_file
from t2t_lite.runs.errors import CheckpointError
from t2t_lite.utils import file_system as fs


class RunCheckpoints:
    """Restores and saves `checkpoint` (model, optimizer, step) for a run.

    Args:
      checkpoint: from `make_checkpoint`.
      run_dir: the run's `--output_dir`, where checkpoints are restored from.
      save_dir: where this process saves (the run dir, or a worker's scratch directory).
      max_to_keep: checkpoints kept in `save_dir`.
    """

    def __init__(
        self, checkpoint: tf.train.Checkpoint, run_dir: str, save_dir: str, max_to_keep: int
    ):
        self.checkpoint = checkpoint
        self.run_dir = run_dir
        self.save_dir = save_dir
        self.manager = tf.train.CheckpointManager(checkpoint, save_dir, max_to_keep=max_to_keep)

    def restore_newest_readable(self) -> str | None:
        """Restores the newest readable checkpoint of the run, if any, and returns it.

        A checkpoint whose files are missing or corrupt is skipped with a warning for the
        one before it (the run then repeats the steps in between). A checkpoint of another
        model is an error, as is a run whose checkpoints are all unreadable.
        """
        unreadable = []
        for path in checkpoint_candidates(self.run_dir):
            try:
                self._restorable_part(path).restore(path).assert_existing_objects_matched()
            except RESTORE_ERRORS as error:
                damaged = damaged_checkpoint_file(path, error)
                if damaged is None:
                    raise CheckpointError(
                        f"cannot resume from {path}: it is not a checkpoint of this model "
                        f"({first_line(error)}); use another --output_dir"
                    ) from None
                reason = f"{damaged}: {first_line(error)}"
                logging.warning(
                    "checkpoint %s cannot be read (%s); trying the one before it", path, reason
                )
                unreadable.append(f"{path} ({reason})")
                continue
            if unreadable:
                logging.warning(
                    "resuming from %s, the newest readable checkpoint, instead of %s",
                    path,
                    "; ".join(unreadable),
                )
            return path
        if unreadable:
            raise CheckpointError(
                f"no checkpoint in {self.run_dir} can be read: {'; '.join(unreadable)}. Restore "
                "the files from a backup, or delete them to start again from step 0"
            )
        return None

    def _restorable_part(self, path: str) -> tf.train.Checkpoint:
        """The whole checkpoint, or its model and step alone when `path` holds no optimizer
        state (a run t2t-import wrote): the optimizer then starts from zero at that step."""
        try:
            names = [name for name, _ in tf.train.list_variables(path)]
        except (tf.errors.OpError, ValueError):
            return self.checkpoint  # unreadable: restoring it reports which file
        if not hasattr(self.checkpoint, "optimizer") or any(
            name.startswith("optimizer/") for name in names
        ):
            return self.checkpoint
        logging.warning(
            "%s holds no optimizer state (an imported run): the optimizer starts from zero "
            "at its step",
            path,
        )
        return tf.train.Checkpoint(model=self.checkpoint.model, step=self.checkpoint.step)

    def save(self, step: int) -> str:
        """Saves as `ckpt-<step>`; a failed write (a full disk) is a `RunDirError` that
        says the earlier checkpoints are intact."""
        previous = self.manager.latest_checkpoint
        try:
            return self.manager.save(checkpoint_number=step)
        except (tf.errors.OpError, OSError) as error:
            # TensorFlow writes under temporary names and renames last, so the earlier
            # checkpoints and the `checkpoint` index are as they were; drop the leftovers.
            for leftover in fs.glob(os.path.join(self.save_dir, f"ckpt-{step}_temp*")):
                fs.remove(leftover)
            raise CheckpointError(
                f"could not write checkpoint ckpt-{step} in {self.save_dir} ({first_line(error)}); "
                f"the latest checkpoint ({previous or 'none yet'}) is intact: free space and "
                "rerun to resume"
            ) from None
