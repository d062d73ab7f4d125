"""kill -9 at unlucky moments: t2t-datagen while writing shards, t2t-trainer at five
points (one of them inside a checkpoint save), t2t-exporter while writing a version.
Whatever the moment, a rerun completes and nothing half-written is ever taken for done."""

import filecmp
import glob
import os
import pathlib
import random
import shutil
import signal
import subprocess
import time

import pytest
import tensorflow as tf

from t2t_lite.problems import get_problem

from binaries import SCRIPTS, binary_env, run_binary
from training_runs import (
    checkpoint_step,
    generated_data,
    newest_complete_checkpoint,
    run_trainer,
    trainer_args,
)

# Runs binaries or trains models in subprocesses: `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

DATAGEN_PROBLEM = "algorithmic_reverse_binary40"  # 110,000 examples: seconds of writing


def start(name: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(SCRIPTS / name), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=binary_env(),
    )


def kill_when(process: subprocess.Popen, ready, delay: float, timeout: float = 240) -> None:
    """SIGKILL `process` `delay` seconds after `ready()` first holds."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert process.poll() is None, "the process ended before the moment to kill it"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)


@pytest.fixture(scope="module")
def reference_data(tmp_path_factory):
    directory = tmp_path_factory.mktemp("reference")
    result = run_binary(
        "t2t-datagen", f"--problem={DATAGEN_PROBLEM}", f"--data_dir={directory}", "--random_seed=3"
    )
    assert result.returncode == 0, result.stderr
    return directory


# Killed at the first shard, and later (after some shards are whole).
@pytest.mark.parametrize("delay", [0.0, 1.5])
def test_killed_datagen_reruns_to_identical_files(reference_data, tmp_path, delay):
    data_dir = tmp_path / "data"
    process = start(
        "t2t-datagen", f"--problem={DATAGEN_PROBLEM}", f"--data_dir={data_dir}", "--random_seed=3"
    )
    kill_when(process, lambda: bool(glob.glob(f"{data_dir}/.incomplete-*")), delay)
    problem = get_problem(DATAGEN_PROBLEM)
    # What the input pipeline would read now: only finished shards, identical to the reference.
    for split in ("train", "dev"):
        for path in tf.io.gfile.glob(f"{data_dir}/{problem.dataset_name}-{split}-*"):
            assert filecmp.cmp(path, reference_data / os.path.basename(path), shallow=False), path
    result = run_binary(
        "t2t-datagen", f"--problem={DATAGEN_PROBLEM}", f"--data_dir={data_dir}", "--random_seed=3"
    )
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(data_dir)) == sorted(os.listdir(reference_data))
    for name in os.listdir(reference_data):
        assert filecmp.cmp(data_dir / name, reference_data / name, shallow=False), name


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return generated_data(tmp_path_factory, seed=21)


def saved_checkpoints(output_dir) -> int:
    return len(glob.glob(f"{output_dir}/ckpt-*.index"))


# A moment drawn within steps and saves, and one inside a save: while TensorFlow's
# temporary `ckpt-N_temp` directory exists.
KILL_POINTS = [("random", 0), ("in_save", 0)]


@pytest.mark.parametrize("point, seed", KILL_POINTS)
def test_killed_trainer_resumes_from_its_last_complete_checkpoint(data_dir, tmp_path, point, seed):
    output_dir = tmp_path / "run"
    process = start(
        "t2t-trainer",
        *trainer_args(
            data_dir,
            output_dir,
            "--schedule=train",
            "--train_steps=100000",
            "--local_eval_frequency=1",
            "--keep_checkpoint_max=3",
        ),
    )
    if point == "in_save":
        ready = lambda: (
            saved_checkpoints(output_dir) >= 2 and bool(glob.glob(f"{output_dir}/ckpt-*_temp*"))
        )  # noqa: E731
        kill_when(process, ready, 0.0)
    else:
        kill_when(
            process,
            lambda: saved_checkpoints(output_dir) >= 2,
            random.Random(seed).uniform(0.0, 1.0),
        )
    newest = newest_complete_checkpoint(output_dir)
    step = checkpoint_step(newest)  # loadable
    final = step + 2
    resumed = run_trainer(data_dir, output_dir, "--schedule=train", f"--train_steps={final}")
    assert resumed.returncode == 0, resumed.stderr
    assert f"resumed from {newest} at step {step}" in resumed.stderr
    assert checkpoint_step(tf.train.latest_checkpoint(str(output_dir))) == final


def test_killed_exporter_leaves_the_previous_version_untouched(
    reverse_run, reverse_exports, tmp_path
):
    data_dir, output_dir = reverse_run
    export_dir = tmp_path / "export"
    flags = [f"--data_dir={data_dir}", f"--output_dir={output_dir}", f"--export_dir={export_dir}"]
    export_dir.mkdir()
    shutil.copytree(reverse_exports / "1", export_dir / "1")  # a version t2t-exporter wrote
    before = {
        p: pathlib.Path(p).read_bytes()
        for p in glob.glob(f"{export_dir}/1/**", recursive=True)
        if os.path.isfile(p)
    }
    process = start("t2t-exporter", *flags)
    kill_when(
        process, lambda: any(n.startswith(".incomplete-") for n in os.listdir(export_dir)), 0.0
    )
    assert sorted(n for n in os.listdir(export_dir) if not n.startswith(".")) == ["1"]
    after = {
        p: pathlib.Path(p).read_bytes()
        for p in glob.glob(f"{export_dir}/1/**", recursive=True)
        if os.path.isfile(p)
    }
    assert after == before
    result = run_binary("t2t-exporter", *flags)
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(export_dir)) == ["1", "2"]
