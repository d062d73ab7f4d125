"""The model of a training run: the registered model its hparams name, built, with its
weights from a checkpoint, and the run opened for inference (what the trainer, the
decoder, the exporter and checkpoint averaging share)."""

import dataclasses
import os

from absl import logging

from t2t_lite.errors import DataError
from t2t_lite.hparams import HParams
from t2t_lite.models import T2TModel, check_model_fits, model_from_run_hparams, run_model_name
from t2t_lite.problems import Problem, Vocabulary, get_problem
from t2t_lite.runs.best_checkpoint import BEST, best_checkpoint
from t2t_lite.runs.checkpoints import find_checkpoint, has_moving_average, load_weights
from t2t_lite.runs.hparams_file import load_run_hparams
from t2t_lite.utils import file_system as fs


def model_from_hparams(hparams: HParams, mixed_precision: str = "none") -> T2TModel:
    """The built model of a run's hparams (from `with_problem_hparams`): the class its
    `model` entry registers. Its Keras name is the registered name (checkpoint keys
    start with it)."""
    policy = "float32" if mixed_precision == "none" else mixed_precision
    model = model_from_run_hparams(hparams, dtype=policy, name=run_model_name(hparams))
    model.build()
    return model


def check_problem_fits_model(problem: Problem, hparams: HParams) -> None:
    """An `HParamsError` unless `problem`'s features meet the feature spec of the run's
    model (`models.check_model_fits`)."""
    check_model_fits(run_model_name(hparams), hparams, problem.name, problem.feature_kinds)


def uses_moving_average(hparams: HParams, checkpoint_path: str) -> bool:
    """Whether inference on `checkpoint_path` takes the moving averages of the weights:
    when the run keeps them (`moving_average_decay` > 0) and the checkpoint holds them
    (an averaged checkpoint holds the averaged inference weights as the weights)."""
    if not ("moving_average_decay" in hparams and hparams.moving_average_decay > 0):
        return False
    return has_moving_average(checkpoint_path)


def load_trained_model(hparams: HParams, checkpoint_path: str) -> T2TModel:
    """The float32 model of `hparams` with its inference weights from `checkpoint_path`:
    the moving averages where `uses_moving_average`, else the weights."""
    model = model_from_hparams(hparams)
    moving_average = uses_moving_average(hparams, checkpoint_path)
    if moving_average:
        logging.info("using the moving averages of the weights in %s", checkpoint_path)
    load_weights(model, checkpoint_path, moving_average=moving_average)
    return model


@dataclasses.dataclass
class TrainedRun:
    """A run opened for inference."""

    hparams: HParams
    problem: Problem
    vocabulary: dict[str, Vocabulary]  # by feature ("inputs", "targets"), as the model sees them
    checkpoint: str
    model: T2TModel


def open_trained_run(
    output_dir: str, data_dir: str, hparams_overrides: str = "", checkpoint_path: str | None = None
) -> TrainedRun:
    """Loads the run in `output_dir` (its `hparams.json` with overrides, and the latest
    checkpoint or `checkpoint_path`, which may be `BEST`: the run's best checkpoint) with
    the vocabularies in `data_dir`.

    Raises `CheckpointError`, `HParamsError` or `DataError` (vocabulary sizes that differ
    from the run's) naming the file or value.
    """
    hparams = load_run_hparams(output_dir, hparams_overrides)
    problem = get_problem(hparams.problem, data_dir=data_dir)
    check_problem_fits_model(problem, hparams)
    vocabulary = problem.feature_vocabulary(data_dir)
    for feature in vocabulary:
        size, trained = (
            vocabulary[feature].vocab_size,
            getattr(hparams, f"{feature[:-1]}_vocab_size"),
        )
        if size != trained:
            raise DataError(
                f"--data_dir={data_dir}: the {feature} vocabulary has {size} ids, the model in "
                f"{output_dir} was trained with {trained}"
            )
    if checkpoint_path == BEST:
        checkpoint_path = best_checkpoint(output_dir)
    checkpoint = find_checkpoint(checkpoint_path or output_dir)
    return TrainedRun(
        hparams, problem, vocabulary, checkpoint, load_trained_model(hparams, checkpoint)
    )


def open_ensemble_runs(
    member_paths: list[str], data_dir: str, hparams_overrides: str = ""
) -> list[TrainedRun]:
    """The runs of an ensemble (`--checkpoint_paths`): each path a run directory (its
    latest checkpoint) or a checkpoint prefix in one, each opened with the vocabularies
    in `data_dir`. Raises `DataError` naming the members unless all were trained on the
    same problem with the same vocabulary sizes (and so, through `data_dir`, decode with
    one vocabulary)."""
    if not member_paths:
        raise DataError("--checkpoint_paths names no checkpoint")
    opened = []
    for path in member_paths:
        directory, checkpoint = (path, None) if fs.isdir(path) else (os.path.dirname(path), path)
        try:
            opened.append(open_trained_run(directory, data_dir, hparams_overrides, checkpoint))
        except DataError as error:
            raise DataError(f"--checkpoint_paths member {path}: {error}") from None

    def vocabulary_of(run: TrainedRun) -> tuple:
        return run.hparams.problem, run.hparams.input_vocab_size, run.hparams.target_vocab_size

    first = vocabulary_of(opened[0])
    for path, run in zip(member_paths[1:], opened[1:], strict=True):
        if vocabulary_of(run) != first:
            raise DataError(
                f"--checkpoint_paths: {path} was trained on {run.hparams.problem} with vocabulary "
                f"sizes {vocabulary_of(run)[1:]} (inputs, targets), {member_paths[0]} on "
                f"{first[0]} with {first[1:]}: ensemble members must share their vocabularies"
            )
    return opened
