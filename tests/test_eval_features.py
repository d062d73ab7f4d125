"""Evaluation beyond the loss: T2T's approx BLEU (against sacreBLEU), the early-stopping
rule (T2T's, on hand-made histories), the best checkpoint that --keep_checkpoint_max does
not delete and `--checkpoint_path=best` loads, BLEU of decoded dev sentences, and a
continuous evaluator beside a real trainer process."""

import json
import os
import subprocess

import numpy as np
import pytest
import sacrebleu
import tensorflow as tf

from t2t_lite import decoding, runs, training
from t2t_lite.problems import get_problem
from t2t_lite.training.metrics import ApproxBleu

from binaries import SCRIPTS, binary_env
from training_runs import PROBLEM, event_tags, in_process_trainer, trainer_args


@pytest.mark.parametrize(
    "history, steps, delta, minimize, plateaued",
    [
        ([(0, 5.0), (100, 4.0), (200, 3.95), (300, 3.93)], 200, 0.1, True, True),
        ([(0, 5.0), (100, 4.0), (200, 3.95), (300, 3.93)], 200, 0.06, True, False),
        ([(0, 5.0), (100, 4.0), (200, 3.95), (300, 3.93)], 400, 0.1, True, False),
        ([(0, 5.0), (100, 4.0), (200, 3.95), (300, 3.93)], 300, 0.1, True, False),
        ([(0, 0.5), (100, 0.52), (200, 0.55)], 100, 0.1, False, True),
        ([(0, 0.5), (100, 0.52), (200, 0.65)], 100, 0.1, False, False),
        ([(100, 1.0)], 1, 0.1, True, False),
    ],
)
def test_the_plateau_rule_is_t2ts(history, steps, delta, minimize, plateaued):
    assert training.has_metric_plateaued(history, steps, delta, minimize) is plateaued


def test_approx_bleu_equals_sacrebleu_without_smoothing_on_the_target_positions():
    rng = np.random.default_rng(0)
    labels = rng.integers(2, 6, size=(6, 12))
    labels[2, 7:] = 0
    labels[4, 9:] = 0
    predictions = np.where(
        rng.random(labels.shape) < 0.75, labels, rng.integers(2, 6, labels.shape)
    )
    predictions[labels == 0] = 3  # what the model says at padding does not count
    bleu = ApproxBleu()
    bleu.add(labels[:3], predictions[:3])  # two batches: one corpus
    bleu.add(labels[3:], predictions[3:])

    def text(row, keep):
        return " ".join(str(i) for i in row[keep])

    refs = [text(label, label != 0) for label in labels]
    hyps = [text(p, label != 0) for p, label in zip(predictions, labels, strict=True)]
    expected = sacrebleu.corpus_bleu(hyps, [refs], tokenize="none", smooth_method="none").score
    assert expected > 10
    assert bleu.score() * 100 == pytest.approx(expected, abs=1e-6)
    # T2T's smoothing of orders without a match: 4/4, 1/3, then 0/2 and 0/1 counted as
    # 1/(2*2) and 1/(4*1); the geometric mean (1 * 1/3 * 1/4 * 1/4) ** (1/4).
    smoothed = ApproxBleu()
    smoothed.add(np.array([[2, 3, 4, 5, 0]]), np.array([[2, 3, 5, 4, 9]]))
    assert smoothed.score() == pytest.approx((1 / 48) ** 0.25)
    perfect = ApproxBleu()
    perfect.add(labels, labels)
    assert perfect.score() == pytest.approx(1.0)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("data")
    get_problem(PROBLEM).generate_data(str(directory), str(directory), seed=5)
    return str(directory)


def small_trainer(data_dir, output_dir, write_run_files=True, **options):
    return in_process_trainer(data_dir, output_dir, write_run_files=write_run_files, **options)


@pytest.mark.slow
def test_the_best_checkpoint_survives_keep_checkpoint_max_and_loads_as_best(data_dir, tmp_path):
    run = tmp_path / "run"
    decode_hparams = decoding.decode_hparams("beam_size=1,extra_length=4,num_samples=6")
    # The highest loss wins: an early checkpoint, which --keep_checkpoint_max=1 deletes.
    worst = training.EarlyStopping(metric="loss", minimize=False)
    trainer = small_trainer(
        data_dir,
        run,
        keep_checkpoint_max=1,
        eval_bleu_decode_hparams=decode_hparams,
        early_stopping=worst,
    )
    assert trainer.train(8, evaluate=True) == "done"
    trainer.close()
    losses = event_tags(str(run / "eval"))["loss"]
    assert [step for step, _ in losses] == [2, 4, 6, 8]
    best_step, best_loss = max(losses, key=lambda item: item[1])
    assert best_step < 8
    record = runs.read_best(str(run))
    assert record["step"] == best_step and record["metric"] == "loss"
    assert record["value"] == pytest.approx(best_loss, rel=1e-6)
    tags = event_tags(str(run / "eval"))
    assert 0.0 <= tags["approx_bleu_score"][-1][1] <= 1.0
    assert 0.0 <= tags["bleu"][-1][1] <= 100.0
    # Only ckpt-8 is left in the run; the best is its own checkpoint.
    assert sorted(p for p in os.listdir(run) if p.endswith(".index")) == ["ckpt-8.index"]
    assert sorted(os.listdir(run / "best"))[0] == "best.json"
    best = runs.best_checkpoint(str(run))
    assert best == str(run / "best" / f"ckpt-{best_step}")
    opened = runs.open_trained_run(str(run), data_dir, checkpoint_path=runs.BEST)
    assert opened.checkpoint == best
    saved = tf.train.load_checkpoint(best)
    assert saved.get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE") == best_step
    for path, variable in runs.variables_by_path(opened.model).items():
        key = "model/" + path.replace("/", ".S") + "/.ATTRIBUTES/VARIABLE_VALUE"
        np.testing.assert_array_equal(variable.numpy(), saved.get_tensor(key))
    # The best checkpoint's weights score its recorded loss (an independent evaluation).
    other = small_trainer(data_dir, tmp_path / "again", write_run_files=False)
    runs.load_weights(other.model, best)
    assert other.evaluate()["loss"] == pytest.approx(best_loss, rel=1e-5)
    other.close()


@pytest.mark.slow
def test_early_stopping_stops_on_a_plateau(data_dir, tmp_path):
    stopping = training.EarlyStopping(steps=2, metric="loss", delta=100.0, minimize=True)
    trainer = small_trainer(data_dir, tmp_path / "run", early_stopping=stopping)
    # Evaluations at 2 and 4: none improves by 100, so training stops after step 4.
    assert trainer.train(20, evaluate=True) == "early_stopped"
    assert trainer.step == 4
    trainer.close()


def test_an_unknown_metric_and_a_run_that_never_comes_are_named(data_dir, tmp_path):
    with pytest.raises(training.EvalMetricError) as raised:
        training.resolve_metric("metrics-p/targets/blue", "p", ["loss", "accuracy"])
    assert "--eval_early_stopping_metric=metrics-p/targets/blue" in str(raised.value)
    assert "metrics-p/targets/accuracy" in str(raised.value)
    assert training.resolve_metric("metrics-p/targets/accuracy", "p", ["accuracy"]) == "accuracy"
    never = tmp_path / "never"
    trainer = small_trainer(data_dir, never, write_run_files=False)
    with pytest.raises(runs.RunDirError, match="no checkpoint appeared in --output_dir="):
        training.continuous_eval(trainer, 10, timeout_secs=1.0, poll_secs=0.2)
    trainer.close()
    assert not never.exists() or not any(never.iterdir())  # nothing written


@pytest.mark.slow
def test_a_continuous_evaluator_beside_a_real_trainer(data_dir, tmp_path):
    run = tmp_path / "run"
    common = trainer_args(data_dir, run, "--train_steps=8", "--local_eval_frequency=2")
    evaluator = subprocess.Popen(
        [str(SCRIPTS / "t2t-trainer"), *common, "--schedule=continuous_eval",
         "--eval_timeout_mins=3"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=binary_env(),
    )  # fmt: skip
    trainer = subprocess.run(
        [str(SCRIPTS / "t2t-trainer"), *common, "--schedule=train"],
        capture_output=True, text=True, env=binary_env(), timeout=300,
    )  # fmt: skip
    assert trainer.returncode == 0, trainer.stderr
    out, err = evaluator.communicate(timeout=300)
    assert evaluator.returncode == 0, err
    assert "Evaluated" in out
    assert "evaluated the final step 8" in err  # it stopped there, not by the timeout
    steps = [step for step, _ in event_tags(str(run / "eval"))["loss"]]
    assert steps[-1] == 8 and len(steps) == len(set(steps)) >= 1  # each once, the final one
    assert json.loads((run / "best" / "best.json").read_text())["step"] in steps
    source = tmp_path / "in.txt"
    source.write_text("0 1 1\n", encoding="utf-8")
    decoded = subprocess.run(
        [str(SCRIPTS / "t2t-decoder"), f"--data_dir={data_dir}", f"--output_dir={run}",
         "--checkpoint_path=best", f"--decode_from_file={source}",
         f"--decode_to_file={tmp_path / 'out.txt'}", "--decode_hparams=beam_size=1"],
        capture_output=True, text=True, env=binary_env(), timeout=300,
    )  # fmt: skip
    assert decoded.returncode == 0, decoded.stderr
    assert f"{run}/best/ckpt-" in decoded.stderr  # decoded with the best checkpoint
