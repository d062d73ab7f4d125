"""A corrupt or missing latest checkpoint: the decoder, the exporter and a warm start name
the bad file; the trainer falls back to the checkpoint before it, with a warning, and goes on."""

import glob
import os
import pathlib

import pytest

from t2t_lite.problems import get_problem

from binaries import run_binary
from training_runs import PROBLEM, checkpoint_step, run_trainer

# Runs binaries or trains models in subprocesses: `make test-fast` leaves it out.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A run with checkpoints at steps 2, 4 and 6 (copied per test before damaging)."""
    root = tmp_path_factory.mktemp("ckpt_faults")
    data_dir = root / "data"
    get_problem(PROBLEM).generate_data(str(data_dir), str(data_dir), seed=9)
    result = run_trainer(
        data_dir, root / "run", "--schedule=train", "--train_steps=6", "--local_eval_frequency=2"
    )
    assert result.returncode == 0, result.stderr
    return data_dir, root / "run"


def copy_run(source, target):
    import shutil

    shutil.copytree(source, target)
    return target


def flip_byte(path: str) -> None:
    data = bytearray(pathlib.Path(path).read_bytes())
    data[len(data) // 2] ^= 0xFF
    pathlib.Path(path).write_bytes(bytes(data))


def truncate(path: str) -> None:
    """Keeps the first fifth. The model's weights are a third of the data file (Adam keeps
    two slots per weight), so wherever they lie, some are cut off."""
    data = pathlib.Path(path).read_bytes()
    pathlib.Path(path).write_bytes(data[: len(data) // 5])


@pytest.mark.parametrize("damage", ["data", "index", "missing"])
def test_decoder_exporter_and_warm_start_name_the_bad_file(trained, tmp_path, damage):
    data_dir, source = trained
    run = copy_run(source, tmp_path / "run")
    latest = f"{run}/ckpt-6"
    if damage == "data":
        bad = glob.glob(f"{latest}.data-*")[0]
        truncate(bad)
    elif damage == "index":
        bad = f"{latest}.index"
        flip_byte(bad)
    else:
        bad = f"{latest}.index"
        for path in glob.glob(f"{latest}.*"):
            os.remove(path)
    inputs = tmp_path / "in.txt"
    inputs.write_text("1 0 1\n")
    results = []
    # The decoder and exporter open a run's checkpoint the same way: each damage meets
    # warm-starting and one of them (each binary start costs seconds).
    if damage != "index":
        decoder = run_binary(
            "t2t-decoder",
            f"--data_dir={data_dir}",
            f"--output_dir={run}",
            f"--decode_from_file={inputs}",
            f"--decode_to_file={tmp_path}/out.txt",
            "--decode_hparams=beam_size=1",
        )
        results.append((decoder, "--checkpoint_path"))
    if damage != "data":
        exporter = run_binary(
            "t2t-exporter",
            f"--data_dir={data_dir}",
            f"--output_dir={run}",
            f"--export_dir={tmp_path}/export",
        )
        results.append((exporter, "--checkpoint_path"))
    warm = run_trainer(
        data_dir,
        tmp_path / "warm",
        "--schedule=train",
        "--train_steps=1",
        f"--warm_start_from={latest}",
    )
    for result, flag in [*results, (warm, "--warm_start_from")]:
        assert result.returncode == 1, result.stderr
        assert bad in result.stderr and flag in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert not glob.glob(f"{tmp_path}/warm/ckpt-*")
    assert not os.path.exists(f"{tmp_path}/out.txt") and not os.path.exists(f"{tmp_path}/export")
    assert not os.path.exists(f"{tmp_path}/out.txt")
    assert not glob.glob(f"{tmp_path}/export/[0-9]*")
    # The earlier checkpoint still serves when named.
    ok = run_binary(
        "t2t-decoder",
        f"--data_dir={data_dir}",
        f"--output_dir={run}",
        f"--checkpoint_path={run}/ckpt-4",
        f"--decode_from_file={inputs}",
        f"--decode_to_file={tmp_path}/out.txt",
        "--decode_hparams=beam_size=1",
    )
    assert ok.returncode == 0, ok.stderr


@pytest.mark.parametrize("damage", ["data", "missing"])
def test_trainer_falls_back_to_the_previous_checkpoint(trained, tmp_path, damage):
    data_dir, source = trained
    run = copy_run(source, tmp_path / "run")
    if damage == "data":
        flip_byte(glob.glob(f"{run}/ckpt-6.data-*")[0])
    else:
        for path in glob.glob(f"{run}/ckpt-6.*"):
            os.remove(path)
    result = run_trainer(
        data_dir, run, "--schedule=train", "--train_steps=8", "--local_eval_frequency=2"
    )
    assert result.returncode == 0, result.stderr
    assert f"checkpoint {run}/ckpt-6 cannot be read" in result.stderr
    assert f"resuming from {run}/ckpt-4, the newest readable checkpoint" in result.stderr
    assert checkpoint_step(f"{run}/ckpt-8") == 8
    # Steps 5 and 6 were trained again and ckpt-6 rewritten whole.
    assert checkpoint_step(f"{run}/ckpt-6") == 6


def test_trainer_refuses_a_run_whose_checkpoints_are_all_unreadable(trained, tmp_path):
    data_dir, source = trained
    run = copy_run(source, tmp_path / "run")
    for path in glob.glob(f"{run}/ckpt-*.data-*"):
        flip_byte(path)
    before = {p: pathlib.Path(p).read_bytes() for p in glob.glob(f"{run}/*") if os.path.isfile(p)}
    result = run_trainer(data_dir, run, "--schedule=train", "--train_steps=8")
    assert result.returncode == 1, result.stderr
    assert (
        f"no checkpoint in {run} can be read" in result.stderr and "Traceback" not in result.stderr
    )
    after = {p: pathlib.Path(p).read_bytes() for p in glob.glob(f"{run}/*") if os.path.isfile(p)}
    assert after == before
