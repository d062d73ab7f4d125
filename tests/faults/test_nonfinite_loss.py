"""A diverging run (a huge constant learning rate) stops with an error that names the step
where the loss became NaN or Inf, and leaves only finite checkpoints behind."""

import glob

import numpy as np
import pytest
import tensorflow as tf

from training_runs import TINY_HPARAMS, checkpoint_step, generated_data, run_trainer

# Runs binaries or trains models in subprocesses: `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

# After step 1 at learning rate 1e30 the weights are ~1e30, so step 2's attention logits
# overflow float32: the loss of step 2 is the first non-finite one.
DIVERGING = TINY_HPARAMS.replace("learning_rate_warmup_steps=10", "") + (
    "learning_rate_schedule=constant,learning_rate_constant=1e30"
)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return generated_data(tmp_path_factory, seed=3)


def test_nan_loss_stops_training_and_names_the_step(data_dir, tmp_path):
    output_dir = tmp_path / "run"
    result = run_trainer(
        data_dir,
        output_dir,
        "--schedule=train",
        "--train_steps=20",
        "--local_eval_frequency=1",
        hparams=DIVERGING,
    )
    assert result.returncode == 1, result.stderr
    assert "the loss became NaN or Inf at step 2; stopped at step 2 without saving" in result.stderr
    assert "Traceback" not in result.stderr
    saved = sorted(
        checkpoint_step(p[: -len(".index")]) for p in glob.glob(f"{output_dir}/ckpt-*.index")
    )
    assert saved == [1], saved
    latest = tf.train.latest_checkpoint(str(output_dir))
    for name, _ in tf.train.list_variables(latest):
        value = tf.train.load_variable(latest, name)
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            assert np.all(np.isfinite(value)), name
