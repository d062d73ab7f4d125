"""A T2T training run (its `--output_dir`) as a t2t_lite run directory.

T2T_RUN gives `hparams.json`, `flags.txt` (problem, hparams_set) and a checkpoint;
T2T_DATA gives the problem's `vocab.<problem>.<size>.subwords`. The new run holds
`hparams.json` and `flags.txt` as t2t-trainer writes them, a checkpoint `ckpt-<T2T's
global step>` of the model weights and the step (T2T's optimizer slots are not carried
over: fine-tuning starts Adam's moments from zero), and a copy of the vocabulary, so
that t2t-decoder and t2t-exporter need nothing else. It is written under a temporary
name and renamed when whole.
"""

import dataclasses
import json
import os
import re
from collections.abc import Iterable

import tensorflow as tf
from absl import logging

from t2t_lite.errors import DataError
from t2t_lite.hparams import HParams, HParamsError
from t2t_lite.problems.t2t_subwords import T2TSubwordVocabulary, t2t_vocabulary_path
from t2t_lite.runs import (
    FLAGS_FILE,
    HPARAMS_FILE,
    IMPORT_FILE,
    RunDirError,
    find_checkpoint,
    model_from_hparams,
    read_hparams_json,
    save_run_hparams,
    variables_by_path,
    with_problem_hparams,
)
from t2t_lite.t2t_import.checkpoint_weights import t2t_model_weights
from t2t_lite.t2t_import.hparams_map import IMPORT_HPARAMS_SET, convert_t2t_hparams
from t2t_lite.utils import file_system as fs


@dataclasses.dataclass
class T2TRun:
    """A T2T run directory read for import or warm start."""

    hparams: HParams  # t2t_lite hparams, with the problem and vocabulary sizes
    checkpoint: str
    no_effect: list[str]
    warnings: list[str]


def read_t2t_flags(run_dir: str) -> dict[str, str]:
    """`--name=value` lines of T2T's `flags.txt` in `run_dir` ({} if there is none)."""
    path = os.path.join(run_dir, FLAGS_FILE)
    if not fs.exists(path):
        return {}
    return dict(re.findall(r"^--([A-Za-z0-9_]+)=(.*)$", fs.read_text(path), flags=re.M))


def read_t2t_run(
    t2t_output_dir: str,
    vocab_size: int,
    problem: str,
    checkpoint_path: str | None = None,
    target_space_id: int = 0,
    hparams_no_effect: Iterable[str] = (),
) -> T2TRun:
    """Reads T2T's `hparams.json` and finds the checkpoint of a T2T run (the latest, or
    `checkpoint_path`). Raises `RunDirError`/`HParamsError` naming the file or hparam."""
    path = os.path.join(t2t_output_dir, HPARAMS_FILE)
    if not fs.exists(path):
        raise RunDirError(
            f"{path} not found: is {t2t_output_dir} a T2T t2t-trainer --output_dir? (T2T "
            "writes hparams.json there when it starts training)"
        )
    converted = convert_t2t_hparams(read_hparams_json(path), path, hparams_no_effect)
    hparams = converted.hparams
    hparams.target_space_id = target_space_id
    # T2T names the embedding variables by vocabulary size and width only: with equal
    # sizes, inputs and targets read one `shared` table whenever the softmax shares it.
    if hparams.shared_embedding_and_softmax_weights:
        hparams.shared_embedding = True
    hparams = with_problem_hparams(hparams, problem, vocab_size, vocab_size, IMPORT_HPARAMS_SET)
    checkpoint = find_checkpoint(checkpoint_path or t2t_output_dir)
    return T2TRun(
        hparams,
        checkpoint,
        converted.no_effect,
        converted.warnings,
    )


def load_t2t_weights(model, checkpoint: str) -> int:
    """Assigns the T2T `checkpoint`'s weights to the built `model`; returns its step."""
    arrays, step = t2t_model_weights(model, checkpoint)
    for path, variable in variables_by_path(model).items():
        variable.assign(arrays[path])
    return step


def is_t2t_run(path: str) -> bool:
    """Whether `path` is a T2T run directory or a checkpoint in one (T2T's
    `model.ckpt-N` names), rather than a t2t_lite run (`ckpt-N`)."""
    directory = path if fs.isdir(path) else os.path.dirname(path)
    prefix = path if not fs.isdir(path) else (tf.train.latest_checkpoint(path) or "")
    return os.path.basename(prefix).startswith("model.ckpt-") and fs.exists(
        os.path.join(directory, HPARAMS_FILE)
    )


def import_t2t_run(
    t2t_output_dir: str,
    t2t_data_dir: str,
    output_dir: str,
    checkpoint_path: str | None = None,
    problem: str | None = None,
    target_space_id: int = 0,
    hparams_no_effect: Iterable[str] = (),
) -> dict:
    """Writes `output_dir`, a t2t_lite run of the T2T run `t2t_output_dir`; returns what
    it recorded in `t2t_import.json`. `output_dir` must not exist."""
    if fs.exists(output_dir):
        raise RunDirError(f"--output_dir={output_dir} exists; t2t-import writes a new run")
    flags = read_t2t_flags(t2t_output_dir)
    flags_path = os.path.join(t2t_output_dir, FLAGS_FILE)
    t2t_model = flags.get("model", "transformer")
    if t2t_model != "transformer":
        raise RunDirError(
            f"{flags_path}: --model={t2t_model}: t2t-import takes T2T's transformer runs only"
        )
    problem = problem or flags.get("problem")
    if not problem:
        raise RunDirError(f"{flags_path} names no --problem; pass --problem")
    if problem.endswith("_packed"):
        raise DataError(
            f"--problem={problem} (--problem, else {flags_path}): T2T's packed problems "
            "(several examples per sequence) are not supported by t2t-import yet"
        )
    vocab_path = t2t_vocabulary_path(t2t_data_dir, problem.removesuffix("_rev"))
    if vocab_path is None:
        raise DataError(
            f"--t2t_data_dir={t2t_data_dir} has no vocab.{problem}.<size>.subwords, the "
            f"vocabulary of {problem} (T2T's SubwordTextEncoder file)"
        )
    vocab = T2TSubwordVocabulary.load(vocab_path)
    run = read_t2t_run(
        t2t_output_dir,
        vocab.vocab_size,
        problem,
        checkpoint_path,
        target_space_id,
        hparams_no_effect,
    )
    if run.no_effect:
        logging.warning(
            "T2T hparams with no effect on the model in t2t_lite (docs/migrating_from_t2t.md): %s",
            ", ".join(run.no_effect),
        )
    for warning in run.warnings:
        logging.warning("%s", warning)
    try:
        model = model_from_hparams(run.hparams)
    except HParamsError as error:
        raise HParamsError(f"{os.path.join(t2t_output_dir, HPARAMS_FILE)}: {error}") from None
    step = load_t2t_weights(model, run.checkpoint)
    record = {
        "t2t_output_dir": t2t_output_dir,
        "checkpoint": run.checkpoint,
        "global_step": step,
        "t2t_hparams_set": flags.get("hparams_set", ""),
        "problem": problem,
        "vocabulary": vocab_path,
        "target_space_id": target_space_id,
        "no_effect": run.no_effect,
    }
    flags_text = "".join(
        f"--{name}={value}\n"
        for name, value in (
            ("problem", problem),
            ("model", "transformer"),
            ("hparams_set", IMPORT_HPARAMS_SET),
            ("output_dir", output_dir),
        )
    )
    with fs.atomic_output(output_dir, directory=True) as staged:
        fs.makedirs(staged)
        save_run_hparams(staged, run.hparams)
        fs.write_atomically(os.path.join(staged, FLAGS_FILE), flags_text)
        fs.write_atomically(os.path.join(staged, IMPORT_FILE), json.dumps(record, indent=2) + "\n")
        fs.write_atomically(
            os.path.join(staged, os.path.basename(vocab_path)), fs.read_bytes(vocab_path)
        )
        step_variable = tf.Variable(step, dtype=tf.int64)
        checkpoint = tf.train.Checkpoint(model=variables_by_path(model), step=step_variable)
        tf.train.CheckpointManager(checkpoint, staged, max_to_keep=1).save(checkpoint_number=step)
    return record
