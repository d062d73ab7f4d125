"""Decoding hyperparameters in T2T's `--decode_hparams` form:
`"beam_size=4,alpha=0.6,extra_length=50,batch_size=32,return_beams=False"`, plus
`strategy` (see `t2t_lite.decoding.strategy`)."""

from t2t_lite.decoding.strategy import strategy_from_decode_hparams
from t2t_lite.hparams import HParams, HParamsError


def default_decode_hparams() -> HParams:
    """T2T's decoding defaults (beam_size=1 means greedy search)."""
    return HParams(
        # A registered DecodingStrategy; auto: greedy when beam_size=1, else beam search.
        strategy="auto",
        beam_size=4,
        alpha=0.6,
        extra_length=50,
        batch_size=32,
        return_beams=False,
        # Dev-set decoding only: how many examples (0: all of them).
        num_samples=0,
    )


def decode_hparams(overrides: str = "") -> HParams:
    """The defaults with `overrides` applied; a bad name, type or value raises
    `HParamsError` naming it."""
    hparams = default_decode_hparams().parse(overrides or "")
    for name, lowest in (
        ("beam_size", 1),
        ("batch_size", 1),
        ("extra_length", 0),
        ("num_samples", 0),
    ):
        if getattr(hparams, name) < lowest:
            raise HParamsError(f"decode hparam {name}={getattr(hparams, name)} must be >= {lowest}")
    if hparams.alpha < 0:
        raise HParamsError(f"decode hparam alpha={hparams.alpha} must be >= 0")
    strategy_from_decode_hparams(hparams)  # an unknown strategy name fails here
    return hparams
