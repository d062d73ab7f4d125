import os

import pytest

from t2t_lite.hparams import HParams, HParamsError, get_hparams, list_hparams_sets

T2T_COMMON = dict(
    layer_prepostprocess_dropout=0.1,
    attention_dropout=0.1,
    relu_dropout=0.1,
    label_smoothing=0.1,
    max_length=256,
    batch_size=4096,
    optimizer_adam_beta1=0.9,
    optimizer_adam_beta2=0.997,
    optimizer_adam_epsilon=1e-9,
    learning_rate_constant=2.0,
    learning_rate_warmup_steps=8000,
    learning_rate_schedule="constant*linear_warmup*rsqrt_decay*rsqrt_hidden_size",
    norm_epsilon=1e-6,
    shared_embedding_and_softmax_weights=True,
)

SIZES = {
    "transformer_tiny": dict(hidden_size=128, filter_size=512, num_heads=4, num_hidden_layers=2),
    "transformer_small": dict(hidden_size=256, filter_size=1024, num_heads=4, num_hidden_layers=2),
    "transformer_base": dict(hidden_size=512, filter_size=2048, num_heads=8, num_hidden_layers=6),
    "transformer_big": dict(
        hidden_size=1024,
        filter_size=4096,
        num_heads=16,
        num_hidden_layers=6,
        layer_prepostprocess_dropout=0.3,
        batch_size=2048,
    ),
}


@pytest.mark.parametrize("name", sorted(SIZES))
def test_every_set_has_t2t_values(name):
    hparams = get_hparams(name)
    want = {**T2T_COMMON, **SIZES[name]}
    assert {k: hparams.values()[k] for k in want} == want


def test_sets_are_listed_and_fresh_copies():
    assert set(SIZES) <= set(list_hparams_sets())
    a = get_hparams("transformer_tiny")
    a.hidden_size = 64
    assert get_hparams("transformer_tiny").hidden_size == 128


def test_overrides_in_t2t_string_form():
    hparams = get_hparams(
        "transformer_tiny",
        "hidden_size=64, "
        "num_heads=2,label_smoothing=0.0,shared_embedding=true,learning_rate_constant=1,initializer=normal_unit_scaling",
    )
    assert hparams.hidden_size == 64 and hparams.num_heads == 2
    assert hparams.label_smoothing == 0.0 and hparams.shared_embedding is True
    assert hparams.learning_rate_constant == 1.0 and isinstance(
        hparams.learning_rate_constant, float
    )
    assert hparams.initializer == "normal_unit_scaling"


@pytest.mark.parametrize(
    "overrides,message",
    [
        ("hiden_size=64", r"unknown hyperparameter 'hiden_size'; did you mean hidden_size"),
        ("hidden_size=6.5", r"'hidden_size' expects int, got '6.5'"),
        ("label_smoothing=lots", r"'label_smoothing' expects float, got 'lots'"),
        ("shared_embedding=maybe", r"'shared_embedding' expects bool"),
        ("hidden_size", r"malformed hparams entry 'hidden_size'"),
        ("=3", r"malformed hparams entry"),
    ],
)
def test_bad_overrides_name_the_entry(overrides, message):
    with pytest.raises(HParamsError, match=message):
        get_hparams("transformer_tiny", overrides)


def test_unknown_set_suggests_close_names():
    with pytest.raises(
        HParamsError, match="unknown hparams set 'transformer_tyni'.*transformer_tiny"
    ):
        get_hparams("transformer_tyni")


def test_attribute_assignment_checks_names_and_types():
    hparams = get_hparams("transformer_tiny")
    with pytest.raises(HParamsError, match="expects int"):
        hparams.num_heads = "four"
    with pytest.raises(HParamsError, match="unknown hyperparameter"):
        hparams.num_hedas = 4
    hparams.add("beam_size", 4)
    assert hparams.beam_size == 4


def test_json_round_trip(tmp_path):
    hparams = get_hparams("transformer_big", "hidden_size=32")
    path = str(tmp_path / "hparams.json")
    hparams.save(path)
    loaded = HParams.load(path)
    assert loaded == hparams
    assert loaded.optimizer_adam_epsilon == 1e-9
    assert os.listdir(tmp_path) == ["hparams.json"]  # no temporary left behind
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(HParamsError, match="bad.json: not valid JSON"):
        HParams.load(str(tmp_path / "bad.json"))
