"""The model seam: docs/extending.md's model, saved as a --t2t_usr_dir, registered in
fresh processes and trained, decoded, averaged and exported through the binaries; a model that
does not fit the problem, and an unknown --model, are clear errors; runs recorded before
the model entry existed still load."""

import json
import pathlib
import re

import pytest

from binaries import run_binary

DOC = pathlib.Path(__file__).resolve().parents[1] / "docs" / "extending.md"


def model_module() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    (block,) = [b for b in blocks if "@register_model" in b]
    return block


@pytest.fixture(scope="module")
def usr_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("usr") / "my_models"
    directory.mkdir()
    (directory / "__init__.py").write_text(model_module(), encoding="utf-8")
    return directory


@pytest.mark.slow
def test_a_registered_model_trains_decodes_and_exports_through_the_binaries(
    usr_dir, reverse_run, tmp_path
):
    data_dir, _ = reverse_run
    output_dir = tmp_path / "run"
    common = [f"--t2t_usr_dir={usr_dir}", f"--data_dir={data_dir}", f"--output_dir={output_dir}"]
    result = run_binary(
        "t2t-trainer",
        *common,
        "--model=mean_pool_translator",
        "--problem=algorithmic_reverse_binary40_test",
        "--hparams_set=transformer_tiny",
        "--hparams=hidden_size=16,batch_size=256,max_length=12",
        "--train_steps=5",
        "--eval_steps=1",
    )
    assert result.returncode == 0, result.stderr
    assert "eval at step 5" in result.stdout
    assert json.loads((output_dir / "hparams.json").read_text())["model"] == "mean_pool_translator"

    source = tmp_path / "in.txt"
    source.write_text("1 0 1\n", encoding="utf-8")
    out = tmp_path / "out.txt"
    result = run_binary(
        "t2t-decoder", *common, f"--decode_from_file={source}", f"--decode_to_file={out}"
    )
    assert result.returncode == 0, result.stderr
    decoded = out.read_text(encoding="utf-8").rstrip("\n")

    result = run_binary(
        "t2t-avg-all",
        f"--t2t_usr_dir={usr_dir}",
        f"--model_dir={output_dir}",
        f"--output_dir={tmp_path / 'avg'}",
        "--n=2",
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "avg" / "hparams.json").exists()

    result = run_binary("t2t-exporter", *common, f"--export_dir={tmp_path / 'export'}")
    assert result.returncode == 0, result.stderr
    # The export runs without the usr_dir: the graph holds the model.
    query = run_binary(
        "t2t-query-export",
        f"--export_dir={tmp_path / 'export'}",
        "--inputs=1 0 1",
        f"--expected={decoded}",
    )
    assert query.returncode == 0, query.stdout + query.stderr


@pytest.mark.slow
def test_a_model_that_does_not_fit_the_problem_and_an_unknown_model_are_errors(
    usr_dir, lm_run, tmp_path
):
    data_dir, _ = lm_run
    result = run_binary(
        "t2t-trainer",
        f"--t2t_usr_dir={usr_dir}",
        "--model=mean_pool_translator",
        "--problem=languagemodel_text_files",
        f"--data_dir={data_dir}",
        f"--output_dir={tmp_path / 'run'}",
        "--train_steps=1",
    )
    assert result.returncode == 1
    assert (
        "--model=mean_pool_translator needs the feature 'inputs', which problem "
        "languagemodel_text_files does not have (it has targets)"
    ) in result.stderr
    assert not (tmp_path / "run").exists()
    result = run_binary(
        "t2t-trainer",
        "--model=transformr",
        "--problem=languagemodel_text_files",
        f"--data_dir={data_dir}",
        f"--output_dir={tmp_path / 'run'}",
    )
    assert result.returncode == 1
    assert "unknown model 'transformr'; did you mean transformer" in result.stderr


def test_runs_without_a_model_entry_load_as_the_transformer(tmp_path):
    from t2t_lite.hparams import get_hparams
    from t2t_lite.models import Transformer
    from t2t_lite.runs import load_run_hparams, model_from_hparams, with_problem_hparams

    hparams = with_problem_hparams(get_hparams("transformer_tiny"), "p", 12, 12, "transformer_tiny")
    values = {**hparams.values(), "hparams_format_version": 2}
    del values["model"], values["has_inputs"]
    (tmp_path / "hparams.json").write_text(json.dumps(values))
    loaded = load_run_hparams(str(tmp_path))
    assert loaded.model == "transformer" and loaded.has_inputs is True
    assert type(model_from_hparams(loaded)) is Transformer
