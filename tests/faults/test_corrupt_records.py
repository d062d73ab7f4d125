"""A damaged TFRecord shard (truncated, or one bit flipped) stops training with an error
that names the file; `--skip_corrupt_records` trains on what can be read and logs what
it skips."""

import glob
import os
import pathlib

import pytest

from t2t_lite.problems import get_problem

from training_runs import PROBLEM, run_trainer

# Runs binaries or trains models in subprocesses: `make test-fast` leaves it out.
pytestmark = pytest.mark.slow


def damage(path: str, how: str) -> None:
    data = bytearray(pathlib.Path(path).read_bytes())
    if how == "truncated":
        data = data[: len(data) - 11]
    else:
        data[len(data) // 2] ^= 0x04  # one bit, inside some record's payload or checksum
    with open(path, "wb") as f:
        f.write(bytes(data))


@pytest.fixture
def data_dir(tmp_path):
    get_problem(PROBLEM).generate_data(str(tmp_path), str(tmp_path), seed=5)
    return tmp_path


@pytest.mark.parametrize(
    "how, message", [("truncated", "truncated record at"), ("flipped", "corrupted record at")]
)
def test_corrupt_train_shard_is_an_error_naming_the_file(data_dir, tmp_path, how, message):
    shard = sorted(glob.glob(f"{data_dir}/{PROBLEM}-train-*"))[1]
    damage(shard, how)
    result = run_trainer(data_dir, tmp_path / "run", "--schedule=train", "--train_steps=3")
    assert result.returncode == 1, result.stderr
    assert f"corrupt TFRecord file: {shard}: {message}" in result.stderr
    assert "--skip_corrupt_records" in result.stderr and "Traceback" not in result.stderr
    assert not glob.glob(f"{tmp_path}/run/ckpt-*")


def test_skip_corrupt_records_trains_and_logs_each_skip(data_dir, tmp_path):
    train = sorted(glob.glob(f"{data_dir}/{PROBLEM}-train-*"))
    dev = glob.glob(f"{data_dir}/{PROBLEM}-dev-*")[0]
    damage(train[0], "flipped")
    damage(dev, "truncated")
    result = run_trainer(
        data_dir,
        tmp_path / "run",
        "--skip_corrupt_records",
        "--train_steps=3",
        "--local_eval_frequency=3",
    )
    assert result.returncode == 0, result.stderr
    for path, what in ((train[0], "corrupted record at"), (dev, "truncated record at")):
        assert f"--skip_corrupt_records: {path}: {what}" in result.stderr
    assert "skipping the rest" in result.stderr
    assert os.path.exists(f"{tmp_path}/run/ckpt-3.index")
    assert "eval at step 3" in result.stdout


def test_corrupt_dev_shard_stops_evaluation_with_its_name(data_dir, tmp_path):
    dev = glob.glob(f"{data_dir}/{PROBLEM}-dev-*")[0]
    damage(dev, "flipped")
    result = run_trainer(
        data_dir, tmp_path / "run", "--train_steps=2", "--local_eval_frequency=2", "--eval_steps=0"
    )
    assert result.returncode == 1, result.stderr
    assert f"corrupt TFRecord file: {dev}: corrupted record at" in result.stderr
    # Training itself finished and saved before the evaluation failed.
    assert os.path.exists(f"{tmp_path}/run/ckpt-2.index")
