"""Runs survive upgrades: a run whose `hparams.json` was written before an hparam existed
decodes, exports and resumes with that hparam's current default; a name this code does
not know, or a newer file format, is an error that names it."""

import json
import shutil

import pytest

from t2t_lite import decoding
from t2t_lite.hparams import HParamsError, get_hparams
from t2t_lite.runs import load_run_hparams, open_trained_run

from binaries import run_binary
from decode_runs import REVERSE_STEPS, train_reverse
from test_decoder_binary import assert_fails, decoder

# Runs binaries or trains models in subprocesses: `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

# Added to transformer_base after runs had been written without it (for `cosdecay`); the
# reverse run trained with its default.
ADDED_LATER = "learning_rate_decay_steps"


def copy_run(run, directory):
    data_dir, output_dir = run
    shutil.copytree(output_dir, directory, ignore=shutil.ignore_patterns("export", "*.decodes*"))
    return data_dir, str(directory)


def edit_hparams(output_dir, edit):
    path = f"{output_dir}/hparams.json"
    with open(path, encoding="utf-8") as f:
        values = json.load(f)
    edit(values)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(values, f)


def as_written_before(values):
    """An hparams.json of format 1: no version, no hparams_set, no ADDED_LATER."""
    for name in ("hparams_format_version", "hparams_set", ADDED_LATER):
        del values[name]


@pytest.fixture
def legacy_run(reverse_run, tmp_path):
    run = copy_run(reverse_run, tmp_path / "legacy")
    edit_hparams(run[1], as_written_before)
    return run


def test_the_run_files_record_their_set_and_format(reverse_run):
    with open(f"{reverse_run[1]}/hparams.json", encoding="utf-8") as f:
        values = json.load(f)
    assert values["hparams_set"] == "transformer_tiny" and values["hparams_format_version"] == 2


def test_a_missing_hparam_takes_the_current_default_of_the_recorded_set(reverse_run, legacy_run):
    saved = load_run_hparams(reverse_run[1]).values()
    loaded = load_run_hparams(legacy_run[1]).values()
    assert loaded[ADDED_LATER] == get_hparams("transformer_tiny").values()[ADDED_LATER]
    assert loaded == saved


def test_without_flags_txt_the_base_set_gives_the_defaults(legacy_run, tmp_path):
    (tmp_path / "legacy" / "flags.txt").unlink()
    loaded = load_run_hparams(legacy_run[1])
    assert loaded.hparams_set == "transformer_base"
    assert loaded.values()[ADDED_LATER] == get_hparams("transformer_base").values()[ADDED_LATER]
    assert loaded.hidden_size == 64  # the saved values still win


def test_a_legacy_run_decodes_exports_and_resumes(reverse_run, legacy_run, tmp_path):
    outputs = []
    for data_dir, output_dir in (reverse_run, legacy_run):  # in-process: the binary is below
        run = open_trained_run(output_dir, data_dir)
        decoder = decoding.IdDecoder(run.model, decoding.GreedySearch(extra_length=4))
        outputs.append(
            decoding.decode_lines(
                decoder, ["1 0 1 1", "0 0 1"], run.vocabulary, run.model.decode_input, 16, 2
            )
        )
    assert outputs[0] == outputs[1] and all(outputs[0])

    data_dir, output_dir = legacy_run
    exported = run_binary(
        "t2t-exporter",
        f"--data_dir={data_dir}",
        f"--output_dir={output_dir}",
        f"--export_dir={tmp_path}/export",
    )
    assert exported.returncode == 0, exported.stderr

    resumed = train_reverse(data_dir, output_dir, REVERSE_STEPS + 1)
    assert resumed.returncode == 0, resumed.stderr
    assert f"at step {REVERSE_STEPS}" in resumed.stderr
    with open(f"{output_dir}/hparams.json", encoding="utf-8") as f:
        upgraded = json.load(f)
    assert upgraded["hparams_format_version"] == 2 and upgraded["hparams_set"] == "transformer_tiny"
    assert ADDED_LATER in upgraded


def test_an_unknown_name_is_an_error_naming_it_and_the_file(reverse_run, tmp_path):
    data_dir, output_dir = copy_run(reverse_run, tmp_path / "run")
    edit_hparams(output_dir, lambda values: values.update(relative_attention_window=16))
    result = decoder((data_dir, output_dir), "--decode_interactive")
    assert_fails(result, f"{output_dir}/hparams.json", "'relative_attention_window'")
    resumed = train_reverse(data_dir, output_dir, REVERSE_STEPS + 1)
    assert_fails(resumed, "'relative_attention_window'")


def test_a_newer_format_or_an_unknown_set_is_an_error(reverse_run, tmp_path):
    _, output_dir = copy_run(reverse_run, tmp_path / "run")
    edit_hparams(output_dir, lambda values: values.update(hparams_format_version=3))
    with pytest.raises(HParamsError, match="hparams_format_version=3.*newer t2t_lite"):
        load_run_hparams(output_dir)
    edit_hparams(
        output_dir, lambda values: values.update(hparams_format_version=2, hparams_set="my_own_set")
    )
    with pytest.raises(HParamsError, match="'my_own_set'.*--t2t_usr_dir"):
        load_run_hparams(output_dir)
