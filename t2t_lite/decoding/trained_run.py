"""A training run opened for inference: its hparams, problem, vocabularies and model
(what the decoder and the exporter both start from)."""

import dataclasses

from t2t_lite import models
from t2t_lite.errors import DataError
from t2t_lite.hparams import HParams
from t2t_lite.problems import Problem, Vocabulary, get_problem


@dataclasses.dataclass
class TrainedRun:
    hparams: HParams
    problem: Problem
    vocabulary: dict[str, Vocabulary]  # "inputs" / "targets", as the model sees them
    checkpoint: str
    model: models.Transformer


def open_trained_run(
    output_dir: str, data_dir: str, hparams_overrides: str = "", checkpoint_path: str | None = None
) -> TrainedRun:
    """Loads the run in `output_dir` (its `hparams.json` with overrides, and the latest
    checkpoint or `checkpoint_path`) with the vocabularies in `data_dir`.

    Raises `CheckpointError`, `HParamsError` or `DataError` (vocabulary sizes that differ
    from the run's) naming the file or value.
    """
    hparams = models.load_run_hparams(output_dir, hparams_overrides)
    problem = get_problem(hparams.problem)
    vocabulary = problem.feature_vocabulary(data_dir)
    for feature in ("inputs", "targets"):
        size, trained = vocabulary[feature].vocab_size, getattr(hparams, f"{feature[:-1]}_vocab_size")
        if size != trained:
            raise DataError(
                f"--data_dir={data_dir}: the {feature} vocabulary has {size} ids, the model in "
                f"{output_dir} was trained with {trained}"
            )
    checkpoint = models.find_checkpoint(checkpoint_path or output_dir)
    return TrainedRun(hparams, problem, vocabulary, checkpoint, models.load_trained_model(hparams, checkpoint))
