"""Preemption and crashes: SIGTERM saves and exits 0; kill -9 leaves a loadable checkpoint."""

import random
import signal
import subprocess
import time

import pytest
import tensorflow as tf

from binaries import SCRIPTS, binary_env
from t2t_lite.problems import get_problem
from training_runs import PROBLEM, checkpoint_step, run_trainer, trainer_args


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("data")
    get_problem(PROBLEM).generate_data(str(directory), str(directory), seed=11)
    return directory


def start_trainer(data_dir, output_dir, *extra):
    return subprocess.Popen(
        [str(SCRIPTS / "t2t-trainer"), *trainer_args(data_dir, output_dir, "--schedule=train", *extra)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=binary_env(),
    )


def wait_for_lines(process, fragment: str, count: int, timeout: float = 120) -> list[str]:
    """Reads stderr until `fragment` appeared `count` times."""
    deadline = time.monotonic() + timeout
    lines, seen = [], 0
    while seen < count:
        assert time.monotonic() < deadline, "".join(lines)
        line = process.stderr.readline()
        assert line or process.poll() is None, "".join(lines)
        lines.append(line)
        seen += fragment in line
    return lines


def test_sigterm_saves_a_checkpoint_and_exits_zero(data_dir, tmp_path):
    output_dir = tmp_path / "run"
    process = start_trainer(data_dir, output_dir, "--train_steps=100000", "--local_eval_frequency=100000")
    try:
        wait_for_lines(process, "tokens/s", 3)
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert "Stopped by SIGTERM" in stdout
    latest = tf.train.latest_checkpoint(str(output_dir))
    assert latest is not None and checkpoint_step(latest) >= 3
    resumed = run_trainer(data_dir, output_dir, "--schedule=train", f"--train_steps={checkpoint_step(latest) + 1}")
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed from" in resumed.stderr


@pytest.mark.parametrize("seed", [0, 1])
def test_kill_9_leaves_the_latest_complete_checkpoint_loadable(data_dir, tmp_path, seed):
    output_dir = tmp_path / "run"
    process = start_trainer(
        data_dir, output_dir, "--train_steps=100000", "--local_eval_frequency=1", "--keep_checkpoint_max=2"
    )
    try:
        wait_for_lines(process, "saved checkpoint", 3)
        time.sleep(random.Random(seed).uniform(0.0, 0.4))  # anywhere within a step or a save
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    finally:
        process.kill()
    latest = tf.train.latest_checkpoint(str(output_dir))
    step = checkpoint_step(latest)
    assert step >= 3
    resumed = run_trainer(data_dir, output_dir, "--schedule=train", f"--train_steps={step + 1}")
    assert resumed.returncode == 0, resumed.stderr
    assert f"at step {step}" in resumed.stderr
    assert checkpoint_step(tf.train.latest_checkpoint(str(output_dir))) == step + 1
