"""The trainer trains a language model as it trains translation: in-process on the
language-model run's data, its loss counts every target id (EOS included) once, it
resumes, warm-starts, and its checkpoints average."""

import numpy as np
import pytest
import tensorflow as tf

from t2t_lite import runs, training
from t2t_lite.hparams import get_hparams
from t2t_lite.problems import get_problem

pytestmark = pytest.mark.slow

HPARAMS = "hidden_size=32,filter_size=64,num_heads=2,num_hidden_layers=1,batch_size=256"


def lm_trainer(lm_run, output_dir, steps_per_save=2):
    data_dir, _ = lm_run
    problem = get_problem("languagemodel_text_files", data_dir=data_dir)
    vocab = problem.feature_vocabulary(data_dir)
    hparams = runs.with_problem_hparams(
        get_hparams("transformer_tiny", HPARAMS),
        problem.name,
        0,
        vocab["targets"].vocab_size,
        "transformer_tiny",
        has_inputs=False,
    )
    options = training.TrainerOptions(
        eval_steps=1, local_eval_frequency=steps_per_save, log_step_count_steps=1
    )
    strategy = tf.distribute.get_strategy()
    trainer = training.Trainer(problem, hparams, data_dir, str(output_dir), strategy, options)
    runs.write_run_files(str(output_dir), hparams, "")  # as t2t-trainer does
    return trainer


def test_the_loss_counts_every_target_id_once(lm_run, tmp_path):
    trainer = lm_trainer(lm_run, tmp_path / "run")
    batch = next(iter(trainer.problem.dataset("eval", trainer.data_dir, trainer.hparams)))
    targets = batch["targets"].numpy()
    logits = trainer.model(batch, training=False).numpy().astype(np.float64)
    top = logits.max(-1, keepdims=True)
    log_probs = logits - top - np.log(np.exp(logits - top).sum(-1, keepdims=True))
    picked = np.take_along_axis(log_probs, targets[..., None], axis=-1)[..., 0]
    real = targets != 0
    sums = trainer.eval_step(batch)
    assert float(sums["tokens"]) == real.sum()  # every id of every line and its EOS
    assert float(sums["nll_sum"]) == pytest.approx(-(picked * real).sum(), rel=1e-5)
    trainer.close()


def test_resume_warm_start_and_averaging(lm_run, tmp_path):
    trainer = lm_trainer(lm_run, tmp_path / "run")
    assert trainer.train(4) == "done"
    trainer.close()
    resumed = lm_trainer(lm_run, tmp_path / "run")
    assert resumed.step == 4 and resumed.restored_from.endswith("ckpt-4")
    saved = {v.path: v.numpy() for v in resumed.model.weights}
    assert resumed.train(6) == "done"
    resumed.close()

    fresh = lm_trainer(lm_run, tmp_path / "fresh")
    fresh.warm_start(str(tmp_path / "run" / "ckpt-4"))
    for variable in fresh.model.weights:
        np.testing.assert_array_equal(variable.numpy(), saved[variable.path])
    fresh.close()

    path, averaged, _ = runs.average_latest_checkpoints(
        str(tmp_path / "run"), str(tmp_path / "avg"), 2
    )
    assert [p.rsplit("-", 1)[1] for p in averaged] == ["4", "6"]
    model = runs.load_trained_model(runs.load_run_hparams(str(tmp_path / "avg")), path)
    weights = {}
    for checkpoint in averaged:
        other = runs.load_trained_model(runs.load_run_hparams(str(tmp_path / "run")), checkpoint)
        for variable in other.weights:
            weights.setdefault(variable.path, []).append(variable.numpy())
    for variable in model.weights:
        np.testing.assert_allclose(variable.numpy(), np.mean(weights[variable.path], 0), atol=1e-7)
