"""Decoding strategies from decode hparams: T2T's beam_size rule, names, errors."""

import pytest

from t2t_lite import decoding
from t2t_lite.hparams import HParamsError


@pytest.mark.parametrize(
    "overrides,kind,rows,beams",
    [
        ("beam_size=1", decoding.GreedySearch, 1, False),
        ("beam_size=1,return_beams=True", decoding.GreedySearch, 1, False),
        ("beam_size=3,alpha=0.2", decoding.BeamSearch, 3, False),
        ("beam_size=2,return_beams=True", decoding.BeamSearch, 2, True),
        ("strategy=greedy,beam_size=5", decoding.GreedySearch, 1, False),
    ],
)
def test_strategy_from_decode_hparams(overrides, kind, rows, beams):
    strategy = decoding.strategy_from_decode_hparams(decoding.decode_hparams(overrides + ",extra_length=7"))
    assert type(strategy) is kind
    assert (strategy.rows_per_input, strategy.return_beams, strategy.extra_length) == (rows, beams, 7)


def test_beam_settings_come_through():
    strategy = decoding.strategy_from_decode_hparams(decoding.decode_hparams("beam_size=3,alpha=0.2"))
    assert (strategy.beam_size, strategy.alpha) == (3, 0.2)


def test_unknown_strategy_is_named():
    with pytest.raises(HParamsError, match="strategy='beem' is not a decoding strategy; did you mean beam"):
        decoding.decode_hparams("strategy=beem")


def test_a_name_registers_once():
    with pytest.raises(ValueError, match="'greedy' is already registered"):
        decoding.register_strategy("greedy")(type("Other", (decoding.GreedySearch,), {}))
    assert {"greedy", "beam"} <= set(decoding.list_strategies())
