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
    strategy = decoding.strategy_from_decode_hparams(
        decoding.decode_hparams(overrides + ",extra_length=7")
    )
    assert type(strategy) is kind
    assert (strategy.rows_per_input, strategy.return_beams, strategy.extra_length) == (
        rows,
        beams,
        7,
    )


def test_beam_settings_come_through():
    strategy = decoding.strategy_from_decode_hparams(
        decoding.decode_hparams("beam_size=3,alpha=0.2")
    )
    assert (strategy.beam_size, strategy.alpha) == (3, 0.2)


def test_unknown_strategy_is_named():
    with pytest.raises(
        HParamsError, match="strategy='beem' is not a decoding strategy; did you mean beam"
    ):
        decoding.decode_hparams("strategy=beem")


def test_a_name_registers_once():
    with pytest.raises(ValueError, match="'greedy' is already registered"):
        decoding.register_strategy("greedy")(type("Other", (decoding.GreedySearch,), {}))
    assert {"greedy", "beam"} <= set(decoding.list_strategies())


def test_traced_decoding_equals_eager_decoding():
    """IdDecoder traces the search into one graph (a while loop over the model's step);
    it must give what the same search gives eagerly. (A transposed key captured by the
    loop once made Grappler return empty outputs from the whole graph.)"""
    import numpy as np

    from t2t_lite.layers import AttentionSpec
    from t2t_lite.models import Transformer

    model = Transformer(
        19,
        19,
        hidden_size=16,
        filter_size=32,
        attention=AttentionSpec(2),
        num_encoder_layers=1,
        num_decoder_layers=2,
    )
    inputs = np.array([[3, 4, 5, 1], [6, 1, 0, 0]], np.int32)
    for strategy in (decoding.GreedySearch(extra_length=3), decoding.BeamSearch(2, extra_length=3)):
        eager_ids, eager_scores = decoding.decode_ids(model, inputs, strategy)
        ids, scores = decoding.IdDecoder(model, strategy)(inputs)
        np.testing.assert_array_equal(ids, eager_ids.numpy())
        np.testing.assert_allclose(scores, eager_scores.numpy(), atol=1e-5)
