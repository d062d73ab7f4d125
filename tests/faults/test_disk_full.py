"""Writes that fail for want of space (RLIMIT_FSIZE: a write past the limit fails with
EFBIG, as on a full disk) while saving a checkpoint or an export: the error is clear and
the earlier state is intact."""

import glob
import os
import resource
import subprocess

import pytest
import tensorflow as tf

from t2t_lite.problems import get_problem

from binaries import SCRIPTS, binary_env
from training_runs import PROBLEM, checkpoint_step, trainer_args

# Runs binaries or trains models in subprocesses: `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

LIMIT_BYTES = 16_000  # below one checkpoint's data file, above the small text files


def run_limited(name: str, *args: str) -> subprocess.CompletedProcess:
    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT_BYTES, LIMIT_BYTES))

    return subprocess.run(
        [str(SCRIPTS / name), *args],
        capture_output=True,
        text=True,
        env=binary_env(),
        preexec_fn=limit,
        timeout=300,
    )


def run_free(name: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SCRIPTS / name), *args], capture_output=True, text=True, env=binary_env(), timeout=300
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("disk_full")
    data_dir = root / "data"
    get_problem(PROBLEM).generate_data(str(data_dir), str(data_dir), seed=4)
    result = run_free(
        "t2t-trainer", *trainer_args(data_dir, root / "run", "--schedule=train", "--train_steps=2")
    )
    assert result.returncode == 0, result.stderr
    assert os.path.getsize(glob.glob(f"{root}/run/ckpt-2.data-*")[0]) > LIMIT_BYTES
    return data_dir, root / "run"


def snapshot(directory) -> dict:
    return {
        p: open(p, "rb").read()
        for p in glob.glob(f"{directory}/**", recursive=True)
        if os.path.isfile(p)
    }


def test_checkpoint_write_failure_keeps_the_previous_checkpoint(trained):
    data_dir, run = trained
    before = {p: v for p, v in snapshot(run).items() if "/ckpt-" in p or p.endswith("/checkpoint")}
    result = run_limited(
        "t2t-trainer", *trainer_args(data_dir, run, "--schedule=train", "--train_steps=4")
    )
    assert result.returncode == 1, result.stderr
    assert f"could not write checkpoint ckpt-4 in {run}" in result.stderr
    assert f"the latest checkpoint ({run}/ckpt-2) is intact" in result.stderr
    assert "Traceback" not in result.stderr
    after = snapshot(run)
    for path, content in before.items():
        assert after.get(path) == content, path
    assert not glob.glob(f"{run}/ckpt-4*"), "no part of the failed checkpoint is left"
    assert tf.train.latest_checkpoint(str(run)) == f"{run}/ckpt-2"
    assert checkpoint_step(f"{run}/ckpt-2") == 2


def test_export_write_failure_creates_no_version_and_keeps_the_old_one(trained, tmp_path):
    data_dir, run = trained
    export_dir = tmp_path / "export"
    # An earlier version: its files only have to stay as they are.
    (export_dir / "1" / "variables").mkdir(parents=True)
    (export_dir / "1" / "saved_model.pb").write_bytes(b"an earlier export")
    (export_dir / "1" / "variables" / "variables.index").write_bytes(b"its weights")
    before = snapshot(export_dir)
    result = run_limited(
        "t2t-exporter",
        f"--data_dir={data_dir}",
        f"--output_dir={run}",
        f"--export_dir={export_dir}",
    )
    assert result.returncode == 1, result.stderr
    assert f"could not write the SavedModel into {export_dir}" in result.stderr
    assert (
        "no version was created and the versions already there (1) are untouched" in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert sorted(os.listdir(export_dir)) == ["1"]
    assert snapshot(export_dir) == before
