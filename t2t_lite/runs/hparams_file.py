"""A run's `hparams.json`: the hparams that rebuild its model, which survive upgrades.

The file holds every value the run trained with, plus `problem`, `model`, the vocabulary
sizes, `hparams_set` and `hparams_format_version`. Loading starts from the current
defaults of the recorded set and applies the saved values over them, so a run written
before an hparam existed gets that hparam's default. A saved name this code does not
know is an error that names it, never a silent drop.
"""

import dataclasses
import json
import os
import re

from absl import logging

from t2t_lite.hparams import HParams, HParamsError, get_hparams
from t2t_lite.utils import file_system as fs

HPARAMS_FILE = "hparams.json"
FLAGS_FILE = "flags.txt"
# 1: the flat values alone (before hparams_set was recorded); 2: with hparams_set.
FORMAT_VERSION = 2
_FORMAT_KEY = "hparams_format_version"
# Runs of format 1 without a flags.txt (copies made by t2t-avg-all) name no set; every
# built-in set derives from this one.
_LEGACY_DEFAULT_SET = "transformer_base"


# What a problem may tell the model through a run's hparams (as T2T's problem hparams
# do), with the values of a problem that tells nothing: DALL-E's structure, a caption
# then `image_start_id` then image ids `image_vocab_start ..` (`image_vocab_size` of
# them), whose share of the loss is `image_loss_share`.
PROBLEM_MODEL_HPARAMS = {
    "image_start_id": 0,
    "image_vocab_start": 0,
    "image_vocab_size": 0,
    "image_loss_share": 0.0,
}

# What `with_problem_hparams` adds to a set's hparams.
_RUN_ENTRIES = (
    "model",
    "problem",
    "has_inputs",
    "input_vocab_size",
    "target_vocab_size",
    "hparams_set",
    *PROBLEM_MODEL_HPARAMS,
)


def with_problem_hparams(
    hparams: HParams,
    problem_name: str,
    input_vocab_size: int,
    target_vocab_size: int,
    hparams_set: str | None = None,
    model: str = "transformer",
    has_inputs: bool = True,
    problem_hparams: dict | None = None,
) -> HParams:
    """A copy of `hparams` that also records the model (`--model`), the problem, whether
    it has inputs, the vocabulary sizes (0 for inputs it lacks) and (for a run's
    `hparams.json`) the name of the set it started from, so that the file alone rebuilds
    the model (as T2T's problem hparams do), with `problem_hparams` (the problem's
    `model_hparams()`, names of `PROBLEM_MODEL_HPARAMS`) over their defaults. Runs
    recorded before `model` and `has_inputs` existed read back as `transformer` with
    inputs."""
    hparams = hparams.copy()
    hparams.add("model", model)
    hparams.add("problem", problem_name)
    hparams.add("has_inputs", bool(has_inputs))
    hparams.add("input_vocab_size", int(input_vocab_size))
    hparams.add("target_vocab_size", int(target_vocab_size))
    if hparams_set is not None:
        hparams.add("hparams_set", hparams_set)
    for name, default in PROBLEM_MODEL_HPARAMS.items():
        hparams.add(name, default)
    for name, value in (problem_hparams or {}).items():
        if name not in PROBLEM_MODEL_HPARAMS:
            raise HParamsError(
                f"problem hparam {name!r} is not one of {list(PROBLEM_MODEL_HPARAMS)}"
            )
        hparams.set(name, value)
    return hparams


def save_run_hparams(run_dir: str, hparams: HParams) -> None:
    """Writes `run_dir/hparams.json` (through a temporary name)."""
    if "hparams_set" not in hparams:
        raise HParamsError(
            "a run's hparams need the name of their set (with_problem_hparams(hparams_set=...))"
        )
    values = {**hparams.values(), _FORMAT_KEY: FORMAT_VERSION}
    fs.write_atomically(
        os.path.join(run_dir, HPARAMS_FILE), json.dumps(values, indent=2, sort_keys=True) + "\n"
    )


def read_hparams_json(path: str) -> dict:
    """The object of name: value in an `hparams.json` (t2t_lite's or T2T's); an error
    names the file."""
    try:
        values = json.loads(fs.read_text(path))
    except json.JSONDecodeError as error:
        raise HParamsError(f"{path}: not valid JSON: {error}") from None
    if not isinstance(values, dict):
        raise HParamsError(f"{path}: not a JSON object of name: value")
    return values


def load_run_hparams(run_dir: str, overrides: str = "") -> HParams:
    """`run_dir/hparams.json` over the current defaults of its set, with T2T-form
    `overrides` applied. Raises `HParamsError` naming the file and the bad entry."""
    path = os.path.join(run_dir, HPARAMS_FILE)
    if not fs.exists(path):
        raise HParamsError(f"{path} not found: is {run_dir} a t2t-trainer --output_dir?")
    hparams = _merge_over_defaults(path, read_hparams_json(path), run_dir)
    try:
        return hparams.parse(overrides)
    except HParamsError as error:
        raise HParamsError(f"--hparams={overrides!r}: {error}") from None


def _merge_over_defaults(path: str, values: dict, run_dir: str) -> HParams:
    version = values.pop(_FORMAT_KEY, 1)
    if not isinstance(version, int) or not 1 <= version <= FORMAT_VERSION:
        raise HParamsError(
            f"{path}: {_FORMAT_KEY}={version!r}, but this t2t_lite reads versions 1 to "
            f"{FORMAT_VERSION}: "
            "was the run written by a newer t2t_lite?"
        )
    for name in ("problem", "input_vocab_size", "target_vocab_size"):
        if name not in values:
            raise HParamsError(f"{path} lacks {name!r}: not written by t2t-trainer")
    set_name = values.pop("hparams_set", None) or _legacy_set_name(run_dir, path)
    try:
        defaults = get_hparams(set_name)
    except HParamsError as error:
        raise HParamsError(
            f"{path}: hparams_set {set_name!r}: {error} (a set of your own needs --t2t_usr_dir)"
        ) from None
    hparams = with_problem_hparams(
        defaults,
        values["problem"],
        values["input_vocab_size"],
        values["target_vocab_size"],
        set_name,
    )
    unknown = sorted(name for name in values if name not in hparams)
    if unknown:
        raise HParamsError(
            f"{path}: unknown hyperparameter{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(repr, unknown))}: "
            f"this t2t_lite's {set_name} has no such name (written by a newer t2t_lite, or edited "
            "by hand?)"
        )
    try:
        hparams.override_from_dict(values)
    except HParamsError as error:
        raise HParamsError(f"{path}: {error}") from None
    return hparams


def _legacy_set_name(run_dir: str, path: str) -> str:
    """The `--hparams_set` in a format-1 run's `flags.txt`, else transformer_base."""
    flags_path = os.path.join(run_dir, FLAGS_FILE)
    if fs.exists(flags_path):
        found = re.search(r"^--hparams_set=(\S+)$", fs.read_text(flags_path), flags=re.M)
        if found:
            return found.group(1)
    logging.warning(
        "%s names no hparams_set and %s has none either: hparams it lacks take %s's defaults",
        path,
        flags_path,
        _LEGACY_DEFAULT_SET,
    )
    return _LEGACY_DEFAULT_SET


# What t2t-import records in a run it writes; `saved_run` reads T2T's set name from it.
IMPORT_FILE = "t2t_import.json"


@dataclasses.dataclass
class SavedRun:
    """What a run directory says of how it trains: `hparams` without the problem entries
    (as `get_hparams` gives a set), the set's name and the other names it answers to
    (the T2T set of an imported run)."""

    problem: str
    hparams_set: str
    hparams: HParams
    set_aliases: tuple[str, ...] = ()
    model: str = "transformer"


def saved_run(run_dir: str) -> SavedRun | None:
    """The run `run_dir` holds, or None when it has no `hparams.json`."""
    if not fs.exists(os.path.join(run_dir, HPARAMS_FILE)):
        return None
    hparams = load_run_hparams(run_dir)
    values = hparams.values()
    for name in _RUN_ENTRIES:
        values.pop(name)
    aliases = ()
    import_path = os.path.join(run_dir, IMPORT_FILE)
    if fs.exists(import_path):
        t2t_set = json.loads(fs.read_text(import_path)).get("t2t_hparams_set")
        aliases = (t2t_set,) if t2t_set else ()
    return SavedRun(hparams.problem, hparams.hparams_set, HParams(**values), aliases, hparams.model)
