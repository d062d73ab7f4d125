"""SIGTERM to a two-worker run on 127.0.0.1 (to both workers, as a scheduler preempting the
job does, or to one): the workers agree on a step, the chief saves a checkpoint there,
both exit 0, and the restarted job goes on from that step."""

import json
import signal
import subprocess
import time

import pytest
import tensorflow as tf

from binaries import SCRIPTS, binary_env
from test_distributed_training import free_ports
from training_runs import checkpoint_step, generated_data, trainer_args

# Runs binaries or trains models in subprocesses: `make test-fast` leaves it out.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return generated_data(tmp_path_factory, seed=12)


def start_workers(data_dir, output_dir, logs, *extra):
    workers = [f"127.0.0.1:{port}" for port in free_ports(2)]
    processes = []
    for index in range(2):
        tf_config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        # One --output_dir for both, as on a shared file system: the chief writes there,
        # and every worker restores from it.
        args = trainer_args(
            data_dir, output_dir, "--distribution_strategy=multi_worker_mirrored", *extra
        )
        # The worker writes to its own copies of the descriptors; ours close at once.
        with open(logs / f"out{index}", "w") as out, open(logs / f"err{index}", "w") as err:
            processes.append(
                subprocess.Popen(
                    [str(SCRIPTS / "t2t-trainer"), *args],
                    stdout=out,
                    stderr=err,
                    text=True,
                    env=binary_env({"TF_CONFIG": json.dumps(tf_config)}),
                )
            )
    return processes


def finish(processes, logs, timeout=300):
    """Waits for every worker (killing them all on a timeout) and checks each exited 0."""
    deadline = time.monotonic() + timeout
    try:
        for process in processes:
            process.wait(timeout=max(1, deadline - time.monotonic()))
    finally:
        for process in processes:
            process.kill()
    for index, process in enumerate(processes):
        assert process.returncode == 0, (logs / f"err{index}").read_text()


# The non-chief alone: the chief must follow the vote (both signalled stop at once anyway).
@pytest.mark.parametrize("signalled", [[1]], ids=["non_chief_only"])
def test_sigterm_saves_at_an_agreed_step_and_the_job_resumes(data_dir, tmp_path, signalled):
    output_dir = tmp_path / "run"
    processes = start_workers(
        data_dir, output_dir, tmp_path, "--train_steps=100000", "--local_eval_frequency=100000"
    )
    try:
        deadline = time.monotonic() + 240
        while (tmp_path / "err0").read_text().count("tokens/s") < 3:
            assert time.monotonic() < deadline and processes[0].poll() is None, (
                tmp_path / "err0"
            ).read_text()
            time.sleep(0.2)
        for index in signalled:
            processes[index].send_signal(signal.SIGTERM)
    finally:
        finish(processes, tmp_path)
    for index in range(2):
        stderr = (tmp_path / f"err{index}").read_text()
        assert "Stopped by SIGTERM at step" in (tmp_path / f"out{index}").read_text()
        assert ("received by another worker" in stderr) == (index not in signalled), stderr
    stopped = checkpoint_step(tf.train.latest_checkpoint(str(output_dir)))
    steps = {
        int((tmp_path / f"out{i}").read_text().split("at step ")[1].split(";")[0]) for i in range(2)
    }
    assert steps == {stopped}, "both workers stopped after the step the chief saved"

    processes = start_workers(
        data_dir,
        output_dir,
        tmp_path,
        f"--train_steps={stopped + 2}",
        f"--local_eval_frequency={stopped + 2}",
    )
    finish(processes, tmp_path)
    for index in range(2):
        stderr = (tmp_path / f"err{index}").read_text()
        assert f"resumed from {output_dir}/ckpt-{stopped} at step {stopped}" in stderr
    assert checkpoint_step(tf.train.latest_checkpoint(str(output_dir))) == stopped + 2
