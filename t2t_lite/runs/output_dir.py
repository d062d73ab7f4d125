"""The files a training run keeps beside its checkpoints (`hparams.json`, `flags.txt`)
and the check that a restarted run is the same run."""

import os

from t2t_lite.errors import T2TLiteError
from t2t_lite.hparams import HParams
from t2t_lite.runs.checkpoints import has_checkpoint
from t2t_lite.runs.errors import RunDirError
from t2t_lite.runs.hparams_file import FLAGS_FILE, HPARAMS_FILE, load_run_hparams, save_run_hparams
from t2t_lite.utils import file_system as fs


def hparams_differences(saved: HParams, given: HParams) -> list[str]:
    """`"name: saved X, given Y"` for every value that differs or exists on one side only."""
    saved_values, given_values = saved.values(), given.values()
    missing = object()
    lines = []
    for name in sorted(set(saved_values) | set(given_values)):
        old, new = saved_values.get(name, missing), given_values.get(name, missing)
        if old != new:
            old_text = "(absent)" if old is missing else repr(old)
            new_text = "(absent)" if new is missing else repr(new)
            lines.append(f"{name}: saved {old_text}, given {new_text}")
    return lines


def check_output_dir(output_dir: str, hparams: HParams) -> bool:
    """Whether `output_dir` holds a checkpoint of this same run to resume.

    The saved `hparams.json` is read over the current defaults of its set (see
    `hparams_file`), so a run saved before an hparam existed resumes with its default.
    Raises `RunDirError` when it differs from `hparams` (naming each differing value),
    cannot be read, or is missing beside a checkpoint.
    """
    path = os.path.join(output_dir, HPARAMS_FILE)
    resumable = has_checkpoint(output_dir)
    if not fs.exists(path):
        if resumable:
            raise RunDirError(
                f"--output_dir={output_dir} holds a checkpoint but no {HPARAMS_FILE}: it is not "
                "a t2t-trainer run; use another --output_dir"
            )
        return False
    try:
        saved = load_run_hparams(output_dir)
    except T2TLiteError as error:
        raise RunDirError(f"--output_dir={output_dir}: {error}") from None
    differences = hparams_differences(saved, hparams)
    if differences:
        raise RunDirError(
            f"--output_dir={output_dir} holds a run with other hparams ({path}):\n  "
            + "\n  ".join(differences)
            + "\nresume with the same --problem/--hparams_set/--hparams, or use another "
            "--output_dir"
        )
    return resumable


def write_run_files(output_dir: str, hparams: HParams, flags_text: str) -> None:
    """Writes `hparams.json` and `flags.txt` (each through a temporary name)."""
    fs.makedirs(output_dir)
    save_run_hparams(output_dir, hparams)
    fs.write_atomically(os.path.join(output_dir, FLAGS_FILE), flags_text)
