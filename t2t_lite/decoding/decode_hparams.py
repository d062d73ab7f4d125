"""Decoding hyperparameters in T2T's `--decode_hparams` form:
`"beam_size=4,alpha=0.6,extra_length=50,batch_size=32,return_beams=False"`, plus
`strategy` (see `t2t_lite.decoding.strategy`) and sampling.

T2T keeps its sampling hparams (`sampling_method`, `sampling_temp`, `sampling_keep_top_k`)
among the model's hparams; `decode_hparams` starts from a run's values of those names and
`--decode_hparams` overrides them.
"""

import random

from absl import logging

from t2t_lite.decoding.sampling import sampler_from_decode_hparams
from t2t_lite.decoding.strategy import strategy_from_decode_hparams
from t2t_lite.hparams import HParams, HParamsError

# The decode hparams a run's (model) hparams may set too, T2T's `basic_params1` names.
MODEL_SAMPLING_HPARAMS = ("sampling_method", "sampling_temp", "sampling_keep_top_k")


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
        # With return_beams: each beam followed by its score (%.2f), as T2T writes them.
        write_beam_scores=False,
        # Dev-set decoding only: how many examples (0: all of them).
        num_samples=0,
        # Greedy search's sampler: "argmax", or "random" with the settings below.
        sampling_method="argmax",
        # Logits are divided by it; 0 takes the argmax.
        sampling_temp=1.0,
        # The k most likely ids are kept (-1: all; 0 is an error, as in T2T).
        sampling_keep_top_k=-1,
        # Nucleus sampling (not in T2T): the most likely ids up to this mass (1.0: all).
        sampling_keep_top_p=1.0,
        # Same seed, same samples; -1 draws one when decoding starts (and logs it).
        sampling_seed=-1,
        # Outputs per input with sampling_method=random, tab-joined on one line.
        samples_per_input=1,
    )


def decode_hparams(overrides: str = "", model_hparams: HParams | None = None) -> HParams:
    """The defaults, the sampling hparams of `model_hparams` (a run's), then `overrides`
    applied; a bad name, type or value raises `HParamsError` naming it. A
    `sampling_seed` of -1 is replaced by a random seed, which is logged."""
    hparams = default_decode_hparams()
    if model_hparams is not None:
        for name in MODEL_SAMPLING_HPARAMS:
            if name in model_hparams:
                hparams.set(name, getattr(model_hparams, name))
    hparams = hparams.parse(overrides or "")
    for name, lowest in (
        ("beam_size", 1),
        ("batch_size", 1),
        ("extra_length", 0),
        ("num_samples", 0),
        ("samples_per_input", 1),
        ("sampling_seed", -1),
    ):
        if getattr(hparams, name) < lowest:
            raise HParamsError(f"decode hparam {name}={getattr(hparams, name)} must be >= {lowest}")
    if hparams.alpha < 0:
        raise HParamsError(f"decode hparam alpha={hparams.alpha} must be >= 0")
    if hparams.samples_per_input > 1 and hparams.beam_size > 1:
        raise HParamsError(
            f"decode hparam samples_per_input={hparams.samples_per_input} needs beam_size=1 "
            "(beam search does not sample; return_beams=True gives every beam)"
        )
    if hparams.write_beam_scores and not hparams.return_beams:
        raise HParamsError("decode hparam write_beam_scores=True needs return_beams=True")
    try:
        sampler_from_decode_hparams(hparams)
    except HParamsError as error:
        given = {entry.partition("=")[0].strip() for entry in (overrides or "").split(",")}
        bad = str(error).split("=", 1)[0]
        if model_hparams is not None and bad in MODEL_SAMPLING_HPARAMS and bad not in given:
            raise HParamsError(
                f"the run's hparams (hparams.json, or --hparams) hold {error}; override it in "
                "--decode_hparams"
            ) from None
        raise HParamsError(f"decode hparam {error}") from None
    if hparams.sampling_seed == -1:
        hparams.sampling_seed = random.SystemRandom().randrange(2**31)
        if hparams.sampling_method == "random":
            logging.info(
                "sampling_seed=%d (pass it to draw the same samples)", hparams.sampling_seed
            )
    strategy_from_decode_hparams(hparams)  # an unknown strategy name fails here
    return hparams
