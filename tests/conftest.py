import fcntl
import json
import os
import pathlib
import shutil

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(1234)


def built_once(tmp_path_factory, name: str, build):
    """`build(directory)` run once per pytest run, also when pytest-xdist spreads the
    tests over worker processes: the first worker to ask builds it in the run's shared
    temporary directory while holding a lock; the others wait, then read its JSON result."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return build(tmp_path_factory.mktemp(name))
    shared = tmp_path_factory.getbasetemp().parent
    result_file = shared / f"{name}.json"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if result_file.exists():
            return json.loads(result_file.read_text())
        directory = shared / name
        shutil.rmtree(directory, ignore_errors=True)  # a worker that failed to build it
        directory.mkdir()
        result = build(directory)
        result_file.write_text(json.dumps(result))
        return result


@pytest.fixture(scope="session")
def reverse_run(tmp_path_factory):
    """`(data_dir, output_dir)` of a small model trained to reverse binary strings."""
    from decode_runs import train_reverse_run

    return tuple(built_once(tmp_path_factory, "reverse", train_reverse_run))


@pytest.fixture(scope="session")
def text_run(tmp_path_factory):
    """`(data_dir, output_dir)` of a tiny subword translation model."""
    from decode_runs import train_text_run

    return tuple(built_once(tmp_path_factory, "text", train_text_run))


@pytest.fixture(scope="session")
def reverse_exports(reverse_run, tmp_path_factory):
    """An export directory of `reverse_run` with two versions made by t2t-exporter: 1
    with greedy search, 2 with beam search (beam 2). Read it; copy it before changing it."""
    from binaries import run_binary

    data_dir, output_dir = reverse_run

    def build(export_dir: pathlib.Path) -> str:
        for version, decode_hparams in (("1", "beam_size=1"), ("2", "beam_size=2")):
            result = run_binary(
                "t2t-exporter",
                f"--data_dir={data_dir}",
                f"--output_dir={output_dir}",
                f"--export_dir={export_dir}",
                f"--decode_hparams={decode_hparams}",
            )
            assert result.returncode == 0, result.stderr
            assert result.stdout.strip().endswith(f"{export_dir}/{version}"), result.stdout
        return str(export_dir)

    return pathlib.Path(built_once(tmp_path_factory, "reverse_exports", build))


@pytest.fixture(scope="session")
def text_export(text_run, tmp_path_factory):
    """`text_run` exported once (beam 2, alpha 0.6, extra_length 3): its version directory."""
    from binaries import run_binary

    data_dir, output_dir = text_run

    def build(export_dir: pathlib.Path) -> str:
        result = run_binary(
            "t2t-exporter",
            f"--data_dir={data_dir}",
            f"--output_dir={output_dir}",
            f"--export_dir={export_dir}",
            "--decode_hparams=beam_size=2,alpha=0.6,extra_length=3",
        )
        assert result.returncode == 0, result.stderr
        assert f"to {export_dir}/1" in result.stdout
        return str(export_dir / "1")

    return pathlib.Path(built_once(tmp_path_factory, "text_export", build))


@pytest.fixture(scope="session")
def lm_run(tmp_path_factory):
    """`(data_dir, output_dir)` of a small language model on counting lines ("four five
    six"), trained and evaluated by t2t-trainer; its stdout is `output_dir/../trainer.out`."""
    from decode_runs import train_lm_run

    return tuple(built_once(tmp_path_factory, "lm", train_lm_run))
