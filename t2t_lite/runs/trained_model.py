"""The model of a training run: the Transformer built from the run's hparams, with its
weights from a checkpoint, and the run opened for inference (what the trainer, the
decoder, the exporter and checkpoint averaging share)."""

import dataclasses

from t2t_lite.errors import DataError
from t2t_lite.hparams import HParams
from t2t_lite.models.transformer import Transformer
from t2t_lite.problems import Problem, Vocabulary, get_problem
from t2t_lite.runs.checkpoints import find_checkpoint, load_weights
from t2t_lite.runs.hparams_file import load_run_hparams


def model_from_hparams(hparams: HParams, mixed_precision: str = "none") -> Transformer:
    """The built Transformer of a run's hparams (from `with_problem_hparams`)."""
    policy = "float32" if mixed_precision == "none" else mixed_precision
    model = Transformer.from_hparams(
        hparams,
        hparams.input_vocab_size,
        hparams.target_vocab_size,
        dtype=policy,
        name="transformer",
    )
    model.build()
    return model


def load_trained_model(hparams: HParams, checkpoint_path: str) -> Transformer:
    """The float32 model of `hparams` with its weights from `checkpoint_path`."""
    model = model_from_hparams(hparams)
    load_weights(model, checkpoint_path)
    return model


@dataclasses.dataclass
class TrainedRun:
    """A run opened for inference."""

    hparams: HParams
    problem: Problem
    vocabulary: dict[str, Vocabulary]  # "inputs" / "targets", as the model sees them
    checkpoint: str
    model: Transformer


def open_trained_run(
    output_dir: str, data_dir: str, hparams_overrides: str = "", checkpoint_path: str | None = None
) -> TrainedRun:
    """Loads the run in `output_dir` (its `hparams.json` with overrides, and the latest
    checkpoint or `checkpoint_path`) with the vocabularies in `data_dir`.

    Raises `CheckpointError`, `HParamsError` or `DataError` (vocabulary sizes that differ
    from the run's) naming the file or value.
    """
    hparams = load_run_hparams(output_dir, hparams_overrides)
    problem = get_problem(hparams.problem, data_dir=data_dir)
    vocabulary = problem.feature_vocabulary(data_dir)
    for feature in ("inputs", "targets"):
        size, trained = (
            vocabulary[feature].vocab_size,
            getattr(hparams, f"{feature[:-1]}_vocab_size"),
        )
        if size != trained:
            raise DataError(
                f"--data_dir={data_dir}: the {feature} vocabulary has {size} ids, the model in "
                f"{output_dir} was trained with {trained}"
            )
    checkpoint = find_checkpoint(checkpoint_path or output_dir)
    return TrainedRun(
        hparams, problem, vocabulary, checkpoint, load_trained_model(hparams, checkpoint)
    )
