import keras
import numpy as np
import pytest

from t2t_lite.hparams import HParamsError, get_hparams
from t2t_lite.training import T2TLearningRateSchedule, make_optimizer


def t2t_formula(step, constant, warmup, hidden):
    """transformer_base's schedule written out from T2T's `learning_rate_factor`."""
    return constant * min(1.0, step / warmup) * (1 / np.sqrt(max(step, warmup))) * hidden**-0.5


@pytest.mark.parametrize("step", [0, 1, 100, 7999, 8000, 8001, 50_000, 1_000_000])
def test_base_schedule_matches_t2t_formula(step):
    schedule = T2TLearningRateSchedule.from_hparams(get_hparams("transformer_base"))
    assert float(schedule(step)) == pytest.approx(t2t_formula(step, 2.0, 8000, 512), rel=1e-5)


def test_peak_learning_rate_of_transformer_base():
    # The paper's d^-0.5 * warmup^-0.5, times T2T's constant 2.0.
    schedule = T2TLearningRateSchedule.from_hparams(get_hparams("transformer_base"))
    assert float(schedule(8000)) == pytest.approx(2.0 * 512**-0.5 * 8000**-0.5, rel=1e-5)


def test_schedule_without_hidden_size_and_normalized_decay():
    plain = T2TLearningRateSchedule("constant*linear_warmup*rsqrt_decay", 0.1, 100, 512)
    assert float(plain(400)) == pytest.approx(0.1 / np.sqrt(400), rel=1e-5)
    normalized = T2TLearningRateSchedule("constant*rsqrt_normalized_decay", 0.1, 100, 512)
    assert float(normalized(50)) == pytest.approx(0.1, rel=1e-5)
    assert float(normalized(400)) == pytest.approx(0.1 * 10 / 20, rel=1e-5)


@pytest.mark.parametrize("step", [0, 50, 100, 101, 600, 1199, 1200, 1500])
def test_cosdecay_matches_t2t_formula(step):
    hparams = get_hparams(
        "transformer_tiny",
        "learning_rate_schedule=constant*linear_warmup*cosdecay,learning_rate_constant=0.003,"
        "learning_rate_warmup_steps=100,learning_rate_decay_steps=1200",
    )
    # T2T: 1 while step <= warmup, then 0.5 * (1 + cos(pi * step / decay_steps)).
    want = (
        0.003
        * min(1.0, step / 100)
        * (1.0 if step <= 100 else 0.5 * (1 + np.cos(np.pi * step / 1200)))
    )
    assert float(T2TLearningRateSchedule.from_hparams(hparams)(step)) == pytest.approx(
        want, rel=1e-5, abs=1e-8
    )  # float32 cos near pi


def test_unknown_factor_is_named():
    with pytest.raises(HParamsError, match="cosine_decay"):
        T2TLearningRateSchedule("constant*cosine_decay", 1.0, 100, 128)


def test_schedule_serializes():
    schedule = T2TLearningRateSchedule("constant*linear_warmup*rsqrt_decay", 0.5, 10, 64)
    restored = keras.optimizers.schedules.deserialize(
        keras.optimizers.schedules.serialize(schedule)
    )
    assert isinstance(restored, T2TLearningRateSchedule)
    assert float(restored(25)) == pytest.approx(float(schedule(25)))


def test_optimizer_follows_hparams():
    hparams = get_hparams("transformer_tiny", "clip_grad_norm=2.5,optimizer_adam_beta2=0.98")
    optimizer = make_optimizer(hparams)
    assert optimizer.beta_2 == pytest.approx(0.98)
    assert optimizer.epsilon == pytest.approx(1e-9)
    assert optimizer.global_clipnorm == pytest.approx(2.5)
    scaled = make_optimizer(hparams, "mixed_float16")
    assert isinstance(scaled, keras.optimizers.LossScaleOptimizer)
