"""A relative-attention run that T2T 1.15.7's own code trained (`transformer_relative_tiny`,
`../shared/data/t2t/transformer_relative_run/`) through t2t-import, t2t-decoder and
t2t-exporter, against T2T's own greedy and beam-4 decodes of 40 Multi30k sentences."""

import json
import shutil

import numpy as np
import pytest
import tensorflow as tf
from test_exporter import OP_AUDIT_SCRIPT, run_python, serve_in_fresh_process
from test_t2t_import import decode_file, t2t_import

from t2t_lite import runs
from t2t_lite.errors import DataError
from t2t_lite.hparams import HParamsError
from t2t_lite.runs import CheckpointError, RunDirError
from t2t_lite.t2t_import import import_t2t_run

from binaries import run_binary
from shared_data import require_t2t
from test_decoder_binary import assert_fails

# Runs binaries in subprocesses: `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

EXTRA_LENGTH = 30  # T2T's decode_length in golden.json
T2T_RUN = "transformer_relative_run"


@pytest.fixture(scope="module")
def t2t():
    return require_t2t()


@pytest.fixture(scope="module")
def golden(t2t):
    return json.loads((t2t / T2T_RUN / "golden.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def relative_run(t2t, golden, tmp_path_factory):
    """t2t-import with the target space id golden.json records (the run's files lack it)."""
    output_dir = tmp_path_factory.mktemp("relative") / "run"
    result = t2t_import(
        t2t / T2T_RUN,
        t2t / "t2t_data_dir",
        output_dir,
        f"--target_space_id={golden['target_space_id']}",
    )
    assert result.returncode == 0, result.stderr
    return output_dir


def test_relative_tables_are_t2ts(relative_run, t2t):
    hparams = runs.load_run_hparams(str(relative_run))
    assert (hparams.self_attention_type, hparams.max_relative_position, hparams.pos) == (
        "dot_product_relative",
        8,
        "none",
    )
    assert hparams.target_space_id == 3
    ours = tf.train.load_checkpoint(str(relative_run / "ckpt-700"))
    theirs = tf.train.load_checkpoint(str(t2t / T2T_RUN / "model.ckpt-700"))
    for stack, layer, part in (("encoder", 0, "key"), ("decoder", 1, "value")):
        name = f"model/{stack}.Slayer_{layer}.Sself_attention.Srelative_{part}_embeddings"
        t2t_name = (
            f"transformer/body/{stack}/layer_{layer}/self_attention/multihead_attention/"
            f"dot_product_attention_relative/relative_positions_{part}s/embeddings"
        )
        table = ours.get_tensor(f"{name}/.ATTRIBUTES/VARIABLE_VALUE")
        assert table.shape == (17, 16)  # 2 * 8 + 1 rows of one head's depth, 64 / 4
        np.testing.assert_array_equal(table, theirs.get_tensor(t2t_name))


def test_teacher_forced_logits_are_t2ts(relative_run, golden):
    run = runs.open_trained_run(str(relative_run), str(relative_run))
    largest = 0.0
    for case in golden["cases"]:
        features = {
            "inputs": tf.constant([case["inputs"]]),
            "targets": tf.constant([case["targets"]]),
        }
        logits = run.model(features, training=False).numpy()[0]
        assert logits.argmax(-1).tolist() == case["logits_argmax"]
        if case.get("logits_first3"):
            error = np.abs(logits[:3] - np.array(case["logits_first3"])).max()
            largest = max(largest, float(error))
    assert 0 < largest < 1e-5  # measured 2.9e-6


def write_sources(golden, tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("".join(c["source"] + "\n" for c in golden["cases"]), encoding="utf-8")
    return source


@pytest.mark.parametrize("beam_size", [1, 4])
def test_decoder_prints_t2ts_decodes(relative_run, golden, tmp_path, beam_size):
    source = write_sources(golden, tmp_path)
    decode_hparams = "beam_size=1" if beam_size == 1 else "beam_size=4,alpha=0.6"
    result, decoded = decode_file(relative_run, source, decode_hparams, extra_length=EXTRA_LENGTH)
    assert result.returncode == 0, result.stderr
    field = "greedy_text" if beam_size == 1 else "beam4_text"
    assert decoded == [case[field] for case in golden["cases"]]


# Beam search only: relative attention is the same in both searches, the decoder test
# checks both against T2T, and test_exporter serves greedy exports.
@pytest.mark.parametrize("beam_size", [4])
def test_export_serves_t2ts_decodes(relative_run, golden, tmp_path, beam_size):
    export_dir = tmp_path / "export"
    search = "beam_size=1" if beam_size == 1 else "beam_size=4,alpha=0.6"
    result = run_binary(
        "t2t-exporter",
        f"--output_dir={relative_run}",
        f"--export_dir={export_dir}",
        f"--decode_hparams={search},extra_length={EXTRA_LENGTH}",
    )
    assert result.returncode == 0, result.stderr
    served = serve_in_fresh_process(
        export_dir / "1", [c["source"] for c in golden["cases"]], tmp_path
    )
    assert not served["t2t_lite_imported"]
    field = "greedy_text" if beam_size == 1 else "beam4_text"
    assert served["one_by_one"] == [case[field] for case in golden["cases"]]
    audit = run_python(OP_AUDIT_SCRIPT, str(export_dir / "1"))
    assert audit.returncode == 0, audit.stderr
    ops = json.loads(audit.stdout.strip().splitlines()[-1])
    assert sorted(set(ops["ops"]) - set(ops["core"]) - set(ops["text"])) == []


def write_decoder_only_checkpoint(run_dir):
    """A T2T-style name-based checkpoint with decoder variables only (what a T2T
    language-model run holds), written by TF1's Saver as T2T writes them."""
    with tf.Graph().as_default():
        tf.compat.v1.get_variable("transformer/body/decoder/layer_0/ffn/conv1/bias", [4])
        tf.compat.v1.train.get_or_create_global_step()
        saver = tf.compat.v1.train.Saver()
        with tf.compat.v1.Session() as session:
            session.run(tf.compat.v1.global_variables_initializer())
            saver.save(session, str(run_dir / "model.ckpt"), global_step=1)


def test_runs_t2t_lite_does_not_take_are_named_and_write_nothing(t2t, tmp_path):
    data_dir = t2t / "t2t_data_dir"
    output_dir = tmp_path / "new_run"
    run = tmp_path / "t2t_run"
    shutil.copytree(t2t / T2T_RUN, run)
    values = json.loads((run / "hparams.json").read_text())
    flags = (run / "flags.txt").read_text()

    def refused(error_type, message, flags_text=flags, **changes):
        (run / "hparams.json").write_text(json.dumps({**values, **changes}))
        (run / "flags.txt").write_text(flags_text)
        with pytest.raises(error_type, match=message):
            import_t2t_run(str(run), str(data_dir), str(output_dir))
        (run / "hparams.json").write_text(json.dumps(values))
        (run / "flags.txt").write_text(flags)

    # As a user sees it: one line naming the hparam, no traceback.
    (run / "hparams.json").write_text(json.dumps({**values, "max_relative_position": 0}))
    assert_fails(
        t2t_import(run, data_dir, output_dir),
        "hparams.max_relative_position=0: self_attention_type=dot_product_relative needs",
    )
    (run / "hparams.json").write_text(json.dumps(values))
    refused(
        HParamsError,
        "self_attention_type='dot_product_unmasked_relative_v2' is not supported",
        self_attention_type="dot_product_unmasked_relative_v2",
    )
    refused(
        RunDirError,
        "--model=transformer_memory: t2t-import takes T2T's transformer runs only",
        flags.replace("--model=transformer", "--model=transformer_memory"),
    )
    refused(
        DataError,
        r"--problem=translate_ende_wmt8k_packed \(--problem, else .*flags.txt\): T2T.s packed",
        flags.replace("wmt8k", "wmt8k_packed"),
    )
    for path in run.glob("model.ckpt-700*"):
        path.unlink()
    (run / "checkpoint").unlink()
    write_decoder_only_checkpoint(run)
    refused(CheckpointError, "a decoder-only T2T run")
    assert not output_dir.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
