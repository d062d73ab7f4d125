"""Decoding strategies: how a search turns a model's step function into output ids.

A strategy is built from decode hparams (`from_decode_hparams`) and is the one object
the batched decoders, the decoder binary and the serving module take. Greedy search and
beam search are the built-in ones; adding another is one module with a registered
subclass (docs/extending.md shows a toy one).

The decode hparam `strategy` names the strategy; `auto` keeps T2T's rule: greedy search
when `beam_size=1`, else beam search.
"""

import abc
import difflib
from collections.abc import Callable

from absl import logging

from t2t_lite.hparams import HParams, HParamsError
from t2t_lite.utils.named_classes import name_registrar

# step_fn(ids [rows], position, state) -> (logits [rows, vocab], state); see greedy_search.
StepFn = Callable


class DecodingStrategy(abc.ABC):
    """Base of every decoding strategy.

    Args:
      extra_length: the search writes at most `input length + extra_length` ids.

    Subclasses set `name` by `@register_strategy("name")`, implement `search`, and
    override `from_decode_hparams` when they read more decode hparams.
    """

    name: str = ""
    # Rows per input that the step function sees (its beams sit in adjacent rows).
    rows_per_input: int = 1
    # Whether `search` returns every beam: `[batch, beam, length]` ids, `[batch, beam]` scores.
    return_beams: bool = False

    def __init__(self, extra_length: int = 50):
        self.extra_length = extra_length

    @classmethod
    def from_decode_hparams(cls, hparams: HParams) -> "DecodingStrategy":
        return cls(extra_length=hparams.extra_length)

    @abc.abstractmethod
    def search(self, step_fn: StepFn, state, batch_size, decode_length, row_keys=None) -> tuple:
        """Runs the search over `batch_size * rows_per_input` rows of `step_fn` whose
        initial state is `state`; returns `(ids, scores)`: `[batch, decode_length]` int32
        ids, 0 after EOS, and `[batch]` float32 scores (more axes with `return_beams`).
        `row_keys` `[batch]` int64 identify each input (`sampling.content_keys`), for
        strategies that draw at random."""

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({settings})"


_STRATEGIES: dict[str, type[DecodingStrategy]] = {}
_register = name_registrar(_STRATEGIES, "decoding strategy", DecodingStrategy)


def register_strategy(name: str) -> Callable[[type], type]:
    """Class decorator: makes a `DecodingStrategy` subclass available as
    `--decode_hparams=strategy=<name>`."""
    return _register(name)


def list_strategies() -> list[str]:
    return sorted(_STRATEGIES)


def strategy_from_decode_hparams(hparams: HParams) -> DecodingStrategy:
    """The strategy decode hparams describe (`strategy=auto`: greedy if `beam_size=1`,
    else beam search); an unknown name is an `HParamsError` naming it."""
    name = hparams.strategy
    if name == "auto":
        name = "greedy" if hparams.beam_size == 1 else "beam"
        if name == "beam" and hparams.sampling_method == "random":
            # As T2T: beam search does not sample.
            logging.warning(
                "beam_size=%d: beam search ignores sampling_method=random (set beam_size=1 "
                "to sample)",
                hparams.beam_size,
            )
    if name not in _STRATEGIES:
        close = difflib.get_close_matches(name, list(_STRATEGIES), n=2)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise HParamsError(
            f"decode hparam strategy={name!r} is not a decoding strategy{hint} "
            f"(known: auto, {', '.join(list_strategies())})"
        )
    return _STRATEGIES[name].from_decode_hparams(hparams)
