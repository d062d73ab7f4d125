"""Gradient accumulation (T2T's multistep_adam) and the moving average of the weights,
checked against a one-step update on the concatenated batch and a NumPy recurrence; a
run that keeps moving averages saves, resumes, evaluates, decodes and averages them."""

import numpy as np
import pytest
import tensorflow as tf

from t2t_lite import runs, training
from t2t_lite.hparams import HParamsError, get_hparams
from t2t_lite.problems import get_problem
from t2t_lite.training.moving_average import WeightMovingAverage, moving_average_decay

from training_runs import PROBLEM, in_process_trainer

# Dropout off; Adam's epsilon large so that an update scales with its gradient (a sum in
# place of a mean of the micro-batches' gradients would show).
EXACT = (
    "hidden_size=32,filter_size=64,num_heads=2,num_hidden_layers=1,layer_prepostprocess_dropout=0,"
    "attention_dropout=0,relu_dropout=0,learning_rate_schedule=constant,"
    "learning_rate_constant=0.5,optimizer_adam_epsilon=1.0"
)
VOCAB = 20


def tiny_hparams(overrides: str = ""):
    hparams = get_hparams("transformer_tiny", EXACT + ("," + overrides if overrides else ""))
    return runs.with_problem_hparams(hparams, "p", VOCAB, VOCAB)


def micro_batch(rng, rows: int, length: int, pad: int):
    """`rows` examples of `length` ids; the first row ends in `pad` padding positions, so
    batches with the same `rows * length - pad` have the same non-pad target count."""
    ids = rng.integers(2, VOCAB, size=(rows, length))
    ids[:, -1] = 1
    if pad:
        ids[0, length - pad :] = 0
    return {"inputs": tf.constant(ids), "targets": tf.constant(ids[:, ::-1].copy())}


def concatenated(a, b):
    length = max(a["targets"].shape[1], b["targets"].shape[1])

    def padded(t):
        return tf.pad(t, [[0, 0], [0, length - t.shape[1]]])

    return {k: tf.concat([padded(a[k]), padded(b[k])], 0) for k in a}


def train_on(hparams, batches, jit_compile=False, decay=0.0):
    """A fresh seeded model trained on `batches` one `TrainStep` call each; the weights
    after every call, the model, optimizer and moving average."""
    tf.keras.utils.set_random_seed(0)
    strategy = tf.distribute.get_strategy()
    model = runs.model_from_hparams(hparams)
    optimizer = training.make_optimizer(hparams)
    optimizer.build(model.trainable_variables)
    average = WeightMovingAverage(model, decay) if decay else None
    step = training.TrainStep(
        model,
        optimizer,
        strategy,
        0.0,
        jit_compile=jit_compile,
        moving_average=average,
        accumulate_steps=training.accumulate_steps(hparams),
    )
    history = [[v.numpy().copy() for v in model.trainable_variables]]
    for batch in batches:
        step.on_batches(batch)
        history.append([v.numpy().copy() for v in model.trainable_variables])
    return history, step, optimizer, average


@pytest.mark.parametrize(
    "jit_compile", [False, pytest.param(True, marks=pytest.mark.slow)], ids=["eager", "xla"]
)
def test_accumulated_micro_batches_equal_one_step_on_their_concatenation(jit_compile):
    rng = np.random.default_rng(1)
    # Four micro-batches of 26 non-pad target tokens each, of different shapes.
    micro = [micro_batch(rng, 4, 7, 2), micro_batch(rng, 2, 13, 0), micro_batch(rng, 3, 9, 1),
             micro_batch(rng, 2, 14, 2)]  # fmt: skip
    assert {int(tf.reduce_sum(tf.sign(b["targets"]))) for b in micro} == {26}
    accumulated, step, optimizer, _ = train_on(
        tiny_hparams("optimizer=multistep_adam,optimizer_multistep_accumulate_steps=2"),
        micro,
        jit_compile=jit_compile,
    )
    whole, _, whole_optimizer, _ = train_on(
        tiny_hparams(), [concatenated(micro[0], micro[1]), concatenated(micro[2], micro[3])]
    )
    # The step counts micro-batches (T2T's multistep_adam); Adam counts its updates.
    assert int(step.micro_batches.numpy()) == 4
    assert int(optimizer.iterations.numpy()) == int(whole_optimizer.iterations.numpy()) == 2
    for index, (a, b) in enumerate(zip(accumulated[-1], whole[-1], strict=True)):
        np.testing.assert_allclose(a, b, atol=1e-5, err_msg=f"variable {index}")
    # Nothing moves until the second micro-batch, and the weights did move.
    for a, b in zip(accumulated[1], accumulated[0], strict=True):
        np.testing.assert_array_equal(a, b)
    assert max(np.abs(a - s).max() for a, s in zip(whole[-1], whole[0], strict=True)) > 1e-3


def test_the_moving_average_follows_its_recurrence_once_per_update():
    rng = np.random.default_rng(2)
    micro = [micro_batch(rng, 3, 6, 1) for _ in range(6)]
    decay = 0.9
    history, _, _, average = train_on(
        tiny_hparams("optimizer=multistep_adam,optimizer_multistep_accumulate_steps=2"),
        micro,
        decay=decay,
    )
    expected = [w.astype(np.float64) for w in history[0]]
    for count in range(1, len(micro) + 1):
        if count % 2:
            continue  # a micro-batch that only accumulates leaves the average alone
        updates = count // 2
        rate = 1.0 - min(decay, (1.0 + updates) / (10.0 + updates))
        expected = [a - rate * (a - w) for a, w in zip(expected, history[count], strict=True)]
    got = list(average.averages.values())
    assert len(got) == len(expected)
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_allclose(a.numpy(), b, atol=1e-6)
    assert max(np.abs(a - w).max() for a, w in zip(expected, history[-1], strict=True)) > 1e-4


@pytest.mark.parametrize(
    "overrides, message",
    [
        ("optimizer=multistep_adam,optimizer_multistep_accumulate_steps=0", "needs 1 or more"),
        ("optimizer_multistep_accumulate_steps=4", "needs optimizer=multistep_adam"),
        ("optimizer_multistep_accumulate_steps=-1", "needs optimizer=multistep_adam"),
        ("optimizer=sgd", "optimizer='sgd' is not supported"),
    ],
)
def test_bad_accumulation_settings_are_named(overrides, message):
    with pytest.raises(HParamsError, match=message):
        training.make_optimizer(tiny_hparams(overrides))


def test_the_learning_rate_of_an_update_is_that_of_its_last_micro_batch():
    hparams = tiny_hparams(
        "learning_rate_schedule=constant*linear_warmup*rsqrt_decay,learning_rate_warmup_steps=10,"
        "optimizer=multistep_adam,optimizer_multistep_accumulate_steps=4"
    )
    per_micro_batch = training.T2TLearningRateSchedule.from_hparams(hparams)
    optimizer = training.make_optimizer(hparams)
    for update in range(6):  # updates 0..5 end micro-batches 3, 7, ..., 23 (0-based)
        rate = 0.5 * min(1.0, (4 * update + 3) / 10) / np.sqrt(max(4 * update + 3, 10))
        assert float(optimizer._learning_rate(update)) == pytest.approx(rate, rel=1e-6)
        assert float(per_micro_batch(4 * update + 3)) == pytest.approx(rate, rel=1e-6)


@pytest.mark.parametrize("decay", ["1.0", "1.5", "-0.1"])
def test_a_decay_outside_the_open_interval_is_named(decay):
    with pytest.raises(HParamsError, match=f"moving_average_decay={decay} must be in"):
        moving_average_decay(tiny_hparams(f"moving_average_decay={decay}"))


def test_t2t_spells_multistep_adam_in_camel_case():
    hparams = tiny_hparams("optimizer=MultistepAdam,optimizer_multistep_accumulate_steps=3")
    assert training.accumulate_steps(hparams) == 3
    assert get_hparams("transformer_base_multistep8").optimizer_multistep_accumulate_steps == 8


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("data")
    get_problem(PROBLEM).generate_data(str(directory), str(directory), seed=5)
    return str(directory)


def ema_trainer(data_dir, output_dir):
    return in_process_trainer(
        data_dir,
        output_dir,
        "moving_average_decay=0.8,optimizer=multistep_adam,optimizer_multistep_accumulate_steps=2",
        eval_steps=1,
        local_eval_frequency=4,
    )


@pytest.mark.slow
def test_a_run_saves_resumes_evaluates_decodes_and_averages_its_moving_averages(data_dir, tmp_path):
    run = tmp_path / "run"
    trainer = ema_trainer(data_dir, run)
    assert trainer.train(8) == "done"
    averages = {p: v.numpy() for p, v in trainer.moving_average.averages.items()}
    weights = {p: v.numpy() for p, v in runs.variables_by_path(trainer.model).items()}
    before = trainer.evaluate()
    for path, variable in runs.variables_by_path(trainer.model).items():  # swapped back
        np.testing.assert_array_equal(variable.numpy(), weights[path])
    trainer.close()
    # The checkpoint keeps them under ema/<variable path>; the step counts micro-batches.
    reader = tf.train.load_checkpoint(str(run / "ckpt-8"))
    names = reader.get_variable_to_shape_map()
    ema_names = [n for n in names if n.startswith("ema/")]
    assert len(ema_names) == len(averages) > 5
    assert int(tf.train.load_variable(str(run / "ckpt-8"), "step/.ATTRIBUTES/VARIABLE_VALUE")) == 8

    resumed = ema_trainer(data_dir, run)
    assert resumed.step == 8
    for path, variable in resumed.moving_average.averages.items():
        np.testing.assert_array_equal(variable.numpy(), averages[path])
    assert resumed.evaluate() == before  # evaluated on the averages, not on the weights
    resumed.close()

    # Decoding and export load the averages; 0 for the hparam loads the weights.
    hparams = runs.load_run_hparams(str(run))
    loaded = runs.variables_by_path(runs.load_trained_model(hparams, str(run / "ckpt-8")))
    raw = runs.variables_by_path(
        runs.load_trained_model(
            runs.load_run_hparams(str(run), "moving_average_decay=0.0"), str(run / "ckpt-8")
        )
    )
    for path, value in averages.items():
        np.testing.assert_array_equal(loaded[path].numpy(), value)
        np.testing.assert_array_equal(raw[path].numpy(), weights[path])
    assert any(not np.array_equal(averages[p], weights[p]) for p in averages)

    path, averaged, kind = runs.average_latest_checkpoints(str(run), str(tmp_path / "avg"), 2)
    assert kind == "moving averages of the weights"
    assert [p.rsplit("-", 1)[1] for p in averaged] == ["4", "8"]
    first = {
        name.removeprefix("ema/").split("/.ATTRIBUTES")[0]: tf.train.load_variable(
            averaged[0], name
        )
        for name in ema_names
    }
    model = runs.variables_by_path(
        runs.load_trained_model(runs.load_run_hparams(str(tmp_path / "avg")), path)
    )
    for name in ema_names:
        key = name.removeprefix("ema/").split("/.ATTRIBUTES")[0]
        newest = tf.train.load_variable(averaged[1], name)
        variable_path = key.replace(".S", "/")
        np.testing.assert_allclose(
            model[variable_path].numpy(), (first[key] + newest) / 2, atol=1e-7
        )


@pytest.mark.slow
def test_a_run_stopped_between_updates_resumes_with_its_accumulated_gradients(data_dir, tmp_path):
    run = tmp_path / "run"
    trainer = ema_trainer(data_dir, run)
    assert trainer.train(3) == "done"  # 3 micro-batches: one update and one share of the next
    held = [v.numpy() for v in trainer.train_step.accumulated]
    assert int(trainer.optimizer.iterations.numpy()) == 1
    assert max(np.abs(h).max() for h in held) > 0
    trainer.close()
    resumed = ema_trainer(data_dir, run)
    assert resumed.step == 3
    for saved, restored in zip(held, resumed.train_step.accumulated, strict=True):
        np.testing.assert_array_equal(restored.numpy(), saved)
    assert resumed.train(4) == "done"  # the 4th micro-batch completes the second update
    assert int(resumed.optimizer.iterations.numpy()) == 2
    assert all(not np.any(v.numpy()) for v in resumed.train_step.accumulated)
    resumed.close()
