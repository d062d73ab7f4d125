"""A training run's directory (`--output_dir`), and every rule about what it holds.

- `hparams.json` and `flags.txt`: written by the trainer, read back over the current
  defaults of the run's hparams set (`hparams_file`), and checked when a run restarts
  (`output_dir`).
- Checkpoints: keyed by model variable path, found, restored, warm-started from and
  averaged (`checkpoints`, `run_checkpoints`, `averaging`), with one list of what makes a
  checkpoint unreadable (`RESTORE_ERRORS`) and one error class (`CheckpointError`).
- The best checkpoint by an eval metric, kept in `best/` (`best_checkpoint`).
- The trained model and the run opened for inference (`trained_model`).

Every problem with the directory is a `RunDirError`; one with a checkpoint is its
subclass `CheckpointError`.
"""

from t2t_lite.utils.backend import require_tensorflow_backend

require_tensorflow_backend("t2t_lite.runs")

from t2t_lite.runs.averaging import average_latest_checkpoints
from t2t_lite.runs.best_checkpoint import BEST, best_checkpoint, keep_if_best, read_best
from t2t_lite.runs.checkpoints import (
    RESTORE_ERRORS,
    checkpoint_candidates,
    find_checkpoint,
    has_checkpoint,
    load_weights,
    make_checkpoint,
    restore_model_weights,
    trainable_variables_by_path,
    variables_by_path,
    warm_start,
)
from t2t_lite.runs.errors import CheckpointError, RunDirError
from t2t_lite.runs.hparams_file import (
    FLAGS_FILE,
    HPARAMS_FILE,
    IMPORT_FILE,
    SavedRun,
    load_run_hparams,
    read_hparams_json,
    save_run_hparams,
    saved_run,
    with_problem_hparams,
)
from t2t_lite.runs.output_dir import check_output_dir, hparams_differences, write_run_files
from t2t_lite.runs.run_checkpoints import RunCheckpoints
from t2t_lite.runs.trained_model import (
    TrainedRun,
    check_problem_fits_model,
    load_trained_model,
    model_from_hparams,
    open_ensemble_runs,
    open_trained_run,
)

__all__ = [
    "BEST",
    "best_checkpoint",
    "keep_if_best",
    "read_best",
    "FLAGS_FILE",
    "HPARAMS_FILE",
    "IMPORT_FILE",
    "RESTORE_ERRORS",
    "CheckpointError",
    "RunCheckpoints",
    "RunDirError",
    "SavedRun",
    "TrainedRun",
    "average_latest_checkpoints",
    "check_problem_fits_model",
    "check_output_dir",
    "checkpoint_candidates",
    "find_checkpoint",
    "has_checkpoint",
    "hparams_differences",
    "load_run_hparams",
    "load_trained_model",
    "load_weights",
    "make_checkpoint",
    "read_hparams_json",
    "model_from_hparams",
    "open_ensemble_runs",
    "open_trained_run",
    "restore_model_weights",
    "save_run_hparams",
    "saved_run",
    "trainable_variables_by_path",
    "variables_by_path",
    "warm_start",
    "with_problem_hparams",
    "write_run_files",
]
