"""Models by name (`--model`), as problems and decoding strategies are registered.

T2T's rule is kept: `transformer` is one name for both systems, the encoder-decoder on a
problem with inputs and the decoder alone on a problem without (`has_inputs`).
"""

import difflib
from collections.abc import Callable
from typing import TYPE_CHECKING

from t2t_lite.errors import HParamsError
from t2t_lite.models.model_interface import FEATURE_KINDS, T2TModel
from t2t_lite.utils.named_classes import name_registrar

if TYPE_CHECKING:
    from t2t_lite.hparams import HParams

_MODELS: dict[str, type[T2TModel]] = {}
_register = name_registrar(_MODELS, "model", T2TModel, attribute="registered_name")
DEFAULT_MODEL = "transformer"


def register_model(name: str) -> Callable[[type], type]:
    """Class decorator: makes a `T2TModel` subclass available as `--model=<name>`."""
    return _register(name)


def list_models() -> list[str]:
    return sorted(_MODELS)


def get_model_class(name: str) -> type[T2TModel]:
    """The class registered as `name`; an unknown name is an `HParamsError` naming it."""
    if name not in _MODELS:
        close = difflib.get_close_matches(name, list(_MODELS), n=2)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise HParamsError(
            f"unknown model {name!r}{hint} (known: {', '.join(list_models())}; a model of your "
            "own is registered by a module in --t2t_usr_dir)"
        )
    return _MODELS[name]


def run_model_name(hparams: "HParams") -> str:
    """The model a run's hparams name (runs older than the model entry: transformer)."""
    return hparams.model if "model" in hparams else DEFAULT_MODEL


def check_model_fits(
    model_name: str, hparams: "HParams", problem_name: str, problem_features: dict[str, str]
) -> None:
    """An `HParamsError` unless the problem's features (name -> kind, as
    `Problem.feature_kinds` gives them) meet the feature spec of `model_name` built from
    `hparams`; the error names the model, the problem and the feature."""
    spec = get_model_class(model_name).feature_spec(hparams)
    for feature, wanted in spec.items():
        if feature not in problem_features:
            raise HParamsError(
                f"--model={model_name} needs the feature {feature!r}, which problem "
                f"{problem_name} does not have (it has {', '.join(problem_features)})"
            )
        kind = problem_features[feature]
        if kind != wanted.kind or FEATURE_KINDS.get(kind) != wanted.dtype:
            raise HParamsError(
                f"--model={model_name} needs {feature!r} of kind {wanted.kind} "
                f"({wanted.dtype}), problem {problem_name} writes kind {kind} "
                f"({FEATURE_KINDS.get(kind, 'unknown')})"
            )
        if wanted.vocabulary is not None and wanted.vocabulary not in problem_features:
            raise HParamsError(
                f"--model={model_name} reads {feature!r} through the {wanted.vocabulary!r} "
                f"vocabulary, which problem {problem_name} does not have"
            )


def model_from_run_hparams(hparams: "HParams", **kwargs) -> T2TModel:
    """The model a run's hparams describe (its `model` entry), built by its class."""
    return get_model_class(run_model_name(hparams)).from_run_hparams(hparams, **kwargs)
