"""Preemption: SIGTERM saves a checkpoint and exits 0, and the run resumes from it.
(kill -9 at random points: tests/faults/test_killed_processes.py.)"""

import signal
import subprocess
import time

import pytest
import tensorflow as tf

from t2t_lite.problems import get_problem

from binaries import SCRIPTS, binary_env
from training_runs import PROBLEM, checkpoint_step, run_trainer, trainer_args

# Runs binaries or trains models in subprocesses: `make test-fast` leaves it out.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("data")
    get_problem(PROBLEM).generate_data(str(directory), str(directory), seed=11)
    return directory


def start_trainer(data_dir, output_dir, *extra):
    return subprocess.Popen(
        [
            str(SCRIPTS / "t2t-trainer"),
            *trainer_args(data_dir, output_dir, "--schedule=train", *extra),
        ],
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
    process = start_trainer(
        data_dir, output_dir, "--train_steps=100000", "--local_eval_frequency=100000"
    )
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
    resumed = run_trainer(
        data_dir, output_dir, "--schedule=train", f"--train_steps={checkpoint_step(latest) + 1}"
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed from" in resumed.stderr
