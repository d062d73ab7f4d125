"""T2T's own test checkpoint through t2t-import, t2t-decoder and t2t-exporter, against the
outputs T2T 1.15.7 itself computed with it (`../shared/data/t2t/`)."""

import json
import shutil

import numpy as np
import pytest
import tensorflow as tf
from test_exporter import OP_AUDIT_SCRIPT, run_python, serve_in_fresh_process

from t2t_lite import decoding, runs
from t2t_lite.problems import T2TSubwordVocabulary

from binaries import run_binary
from shared_data import require_t2t
from test_decoder_binary import assert_fails

# Runs binaries in subprocesses: `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

PROBLEM = "translate_ende_wmt8k"
EXTRA_LENGTH = 20  # T2T's decode_length in the goldens


@pytest.fixture(scope="session")
def t2t():
    return require_t2t()


@pytest.fixture(scope="session")
def golden(t2t):
    return json.loads((t2t / "transformer_test_ckpt_golden.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def imported(t2t, tmp_path_factory):
    """`t2t-import` of T2T's test checkpoint, as a user runs it."""
    output_dir = tmp_path_factory.mktemp("imported") / "run"
    result = run_binary(
        "t2t-import",
        f"--t2t_output_dir={t2t / 'transformer_test_ckpt'}",
        f"--t2t_data_dir={t2t / 't2t_data_dir'}",
        f"--output_dir={output_dir}",
    )
    assert result.returncode == 0, result.stderr
    assert "T2T hparams with no effect on the model in t2t_lite" in result.stderr
    return output_dir


@pytest.fixture(scope="session")
def trained_run(imported):
    return runs.open_trained_run(str(imported), str(imported))


def through_eos(ids):
    """T2T's ids up to and including the first EOS (all of them when there is none)."""
    ids = list(ids)
    return ids[: ids.index(1) + 1] if 1 in ids else ids


def test_import_writes_an_ordinary_run(imported, t2t):
    assert sorted(p.name for p in imported.iterdir()) == [
        "checkpoint",
        "ckpt-1.data-00000-of-00001",
        "ckpt-1.index",
        "flags.txt",
        "hparams.json",
        "t2t_import.json",
        "vocab.translate_ende_wmt8k.8192.subwords",
    ]
    hparams = runs.load_run_hparams(str(imported))
    assert (hparams.problem, hparams.hidden_size, hparams.num_heads) == (PROBLEM, 16, 2)
    assert (hparams.use_target_space_embedding, hparams.target_space_id) == (True, 0)
    assert hparams.input_vocab_size == hparams.target_vocab_size == 8190
    assert not [p for p in imported.parent.iterdir() if p.name.startswith(".incomplete")]
    # T2T's step, and the weights as T2T's checkpoint holds them (16 uneven shards).
    reader = tf.train.load_checkpoint(str(imported / "ckpt-1"))
    assert reader.get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE") == 1
    t2t_reader = tf.train.load_checkpoint(str(t2t / "transformer_test_ckpt" / "model.ckpt-1"))
    shards = [
        t2t_reader.get_tensor(f"transformer/symbol_modality_8190_16/shared/weights_{i}")
        for i in range(16)
    ]
    embeddings = reader.get_tensor("model/input_embedding.Sembeddings/.ATTRIBUTES/VARIABLE_VALUE")
    np.testing.assert_array_equal(embeddings, np.concatenate(shards))


def test_teacher_forced_logits_are_t2ts(trained_run, golden, t2t):
    logits_file = np.load(t2t / "transformer_test_ckpt_golden_logits.npz")
    for case in golden["cases"]:
        features = {
            "inputs": tf.constant([case["inputs"]]),
            "targets": tf.constant([case["targets"]]),
        }
        logits = trained_run.model(features, training=False).numpy()[0]
        assert logits.argmax(-1).tolist() == case["logits_argmax"]
        if case.get("logits_index") is not None:
            expected = logits_file[f"case{case['logits_index']}"]
            np.testing.assert_allclose(logits, expected, atol=1e-4, rtol=0)


@pytest.mark.parametrize("beam_size", [1, 4])
def test_searches_give_t2ts_ids_and_scores(trained_run, golden, beam_size):
    if beam_size == 1:
        strategy = decoding.GreedySearch(extra_length=EXTRA_LENGTH)
    else:
        strategy = decoding.BeamSearch(beam_size, 0.6, extra_length=EXTRA_LENGTH)
    # One trace for all cases (eager while loops would rebuild the search for each).
    search = tf.function(
        lambda inputs: decoding.decode_ids(trained_run.model, inputs, strategy),
        input_signature=[tf.TensorSpec([1, None], tf.int32)],
    )
    for case in golden["cases"]:
        ids, scores = search(tf.constant([case["inputs"]], tf.int32))
        expected = case["greedy" if beam_size == 1 else "beam4"]
        assert len(expected) == len(case["inputs"]) + EXTRA_LENGTH
        assert through_eos(ids.numpy()[0]) == through_eos(expected)
        if beam_size == 4:
            assert float(scores[0]) == pytest.approx(case["beam4_score"], abs=1e-4)


@pytest.fixture(scope="session")
def golden_texts(golden, t2t):
    """The 20 source sentences, and T2T's greedy and beam decodes as text."""
    vocab = T2TSubwordVocabulary.load(str(t2t / "t2t_data_dir" / f"vocab.{PROBLEM}.8192.subwords"))
    sources = []
    for case in golden["cases"]:
        (text,) = [t for t, ids in golden["vocab"].items() if ids + [1] == case["inputs"]]
        sources.append(text)
    greedy = [vocab.decode(case["greedy"]) for case in golden["cases"]]
    beam = [vocab.decode(case["beam4"]) for case in golden["cases"]]
    return sources, greedy, beam


def decode_file(run, source, decode_hparams: str, *args, extra_length: int = EXTRA_LENGTH):
    """t2t-decoder on `source` in batches of one with T2T's decode length; returns the
    process and the lines it wrote."""
    target = source.parent / "out.txt"
    result = run_binary(
        "t2t-decoder",
        *args,  # a --flagfile first: the flags after it override its paths
        f"--output_dir={run}",
        f"--decode_from_file={source}",
        f"--decode_to_file={target}",
        f"--decode_hparams={decode_hparams},extra_length={extra_length},batch_size=1",
    )
    decoded = target.read_text(encoding="utf-8").split("\n")[:-1] if target.exists() else None
    return result, decoded


def test_decoder_on_the_imported_run_prints_t2ts_decodes(imported, golden_texts, tmp_path, t2t):
    sources, greedy, beam = golden_texts
    source = tmp_path / "in.txt"
    source.write_text("".join(line + "\n" for line in sources), encoding="utf-8")
    for decode_hparams, expected, data_dir in (
        ("beam_size=1", greedy, []),
        ("beam_size=4,alpha=0.6", beam, [f"--data_dir={t2t / 't2t_data_dir'}"]),
    ):
        result, decoded = decode_file(imported, source, decode_hparams, *data_dir)
        assert result.returncode == 0, result.stderr
        assert decoded == expected


@pytest.fixture(scope="session")
def imported_export(imported, tmp_path_factory):
    export_dir = tmp_path_factory.mktemp("imported_export")
    result = run_binary(
        "t2t-exporter",
        f"--output_dir={imported}",
        f"--export_dir={export_dir}",
        f"--decode_hparams=beam_size=4,alpha=0.6,extra_length={EXTRA_LENGTH}",
    )
    assert result.returncode == 0, result.stderr
    return export_dir / "1"


def test_export_serves_t2ts_beam_decodes_with_core_and_text_ops(
    imported_export, golden_texts, tmp_path
):
    sources, _, beam = golden_texts
    assert [p.name for p in (imported_export / "assets").iterdir()] == [
        f"vocab.{PROBLEM}.8192.subwords"
    ]
    served = serve_in_fresh_process(imported_export, sources, tmp_path)
    assert not served["t2t_lite_imported"]
    assert served["one_by_one"] == beam
    audit = run_python(OP_AUDIT_SCRIPT, str(imported_export))
    assert audit.returncode == 0, audit.stderr
    ops = json.loads(audit.stdout.strip().splitlines()[-1])
    assert sorted(set(ops["ops"]) - set(ops["core"]) - set(ops["text"])) == []
    assert "WordpieceTokenizeWithOffsets" in ops["text"]


def copy_t2t_run(t2t, tmp_path):
    run = tmp_path / "t2t_run"
    shutil.copytree(t2t / "transformer_test_ckpt", run)
    return run


def t2t_import(t2t_run, data_dir, output_dir, *args):
    return run_binary(
        "t2t-import",
        f"--t2t_output_dir={t2t_run}",
        f"--t2t_data_dir={data_dir}",
        f"--output_dir={output_dir}",
        *args,
    )


def imports_in_process(run, data_dir, output_dir) -> str:
    """The message t2t-import would print, from the library call it makes."""
    from t2t_lite.errors import T2TLiteError
    from t2t_lite.t2t_import import import_t2t_run

    with pytest.raises(T2TLiteError) as error:
        import_t2t_run(str(run), str(data_dir), str(output_dir))
    return str(error.value)


def test_bad_t2t_runs_are_named_and_write_nothing(t2t, tmp_path):
    data_dir = t2t / "t2t_data_dir"
    output_dir = tmp_path / "new_run"
    run = copy_t2t_run(t2t, tmp_path)
    hparams_path = run / "hparams.json"
    values = json.loads(hparams_path.read_text())

    def write_hparams(**changes):
        hparams_path.write_text(json.dumps({**values, **changes}))

    # Two through the binary, as a user meets them; the rest from the call it makes
    # (each subprocess costs seconds of TensorFlow start-up).
    write_hparams(self_attention_type="dot_product_relative_v2")
    assert_fails(
        t2t_import(run, data_dir, output_dir),
        "hparams.json: T2T hparam self_attention_type='dot_product_relative_v2' is not supported",
    )
    write_hparams(filter_size=12)
    message = imports_in_process(run, data_dir, output_dir)
    assert (
        "model.ckpt-1: transformer/body/encoder/layer_0/ffn/conv1/kernel has shape [16, 8], "
        "but hparams.json's model needs [16, 12]"
    ) in message
    assert "filter_size" in message
    write_hparams(hidden_size=32)
    message = imports_in_process(run, data_dir, output_dir)
    assert "has no variables transformer/symbol_modality_8190_32/shared/weights_<i>" in message
    assert "hidden_size" in message
    write_hparams(my_fork_setting=3)
    assert "my_fork_setting unknown to t2t_lite" in imports_in_process(run, data_dir, output_dir)
    write_hparams(num_hidden_layers=1)
    message = imports_in_process(run, data_dir, output_dir)
    assert "holds model variables that the model its hparams.json describes does not have" in (
        message
    )
    assert "layer_1" in message
    hparams_path.unlink()
    assert f"{hparams_path} not found" in imports_in_process(run, data_dir, output_dir)
    assert_fails(
        t2t_import(t2t / "transformer_test_ckpt", tmp_path, output_dir),
        f"--t2t_data_dir={tmp_path} has no vocab.{PROBLEM}.<size>.subwords",
    )
    assert not output_dir.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_fork_hparam_declared_without_effect_imports(t2t, tmp_path):
    run = copy_t2t_run(t2t, tmp_path)
    values = json.loads((run / "hparams.json").read_text())
    (run / "hparams.json").write_text(json.dumps({**values, "my_fork_setting": 3}))
    result = t2t_import(
        run, t2t / "t2t_data_dir", tmp_path / "new", "--t2t_hparams_no_effect=my_fork_setting"
    )
    assert result.returncode == 0, result.stderr
    assert "my_fork_setting" in result.stderr
    assert_fails(
        t2t_import(run, t2t / "t2t_data_dir", tmp_path / "new"),
        f"--output_dir={tmp_path / 'new'} exists",
    )


def test_t2t_flagfile_drives_the_decoder(imported, golden_texts, tmp_path, t2t):
    sources, greedy, _ = golden_texts
    source = tmp_path / "in.txt"
    source.write_text("".join(line + "\n" for line in sources), encoding="utf-8")
    result, decoded = decode_file(
        imported,
        source,
        "beam_size=1",
        f"--flagfile={t2t / 'transformer_test_ckpt' / 'flags.txt'}",
        f"--data_dir={t2t / 't2t_data_dir'}",
    )
    assert result.returncode == 0, result.stderr
    assert decoded == greedy
    (warning,) = [line for line in result.stderr.splitlines() if "T2T flags with no effect" in line]
    named = set(warning.split(": ", 1)[1].split(", "))
    assert {"--save_checkpoints_secs", "--worker_gpu", "--train_steps"} <= named
    assert not named & {"--problem", "--hparams_set", "--data_dir", "--decode_hparams"}


def test_trainer_fine_tunes_an_imported_run_on_t2ts_data_dir_with_t2ts_flagfile(
    imported, t2t, tmp_path
):
    run = tmp_path / "run"
    shutil.copytree(imported, run)
    result = run_binary(
        "t2t-trainer",
        f"--flagfile={t2t / 'transformer_test_ckpt' / 'flags.txt'}",
        f"--output_dir={run}",
        f"--data_dir={t2t / 't2t_data_dir'}",
        "--train_steps=2",
    )
    assert result.returncode == 0, result.stderr
    assert "reading" in result.stderr and "as a T2T text-to-text data_dir" in result.stderr
    assert f"resumed from {run}/ckpt-1 at step 1" in result.stderr
    assert "holds no optimizer state" in result.stderr
    (warning,) = [line for line in result.stderr.splitlines() if "T2T flags with no effect" in line]
    named = set(warning.split(": ", 1)[1].split(", "))
    assert {"--save_checkpoints_secs", "--keep_checkpoint_every_n_hours"} <= named
    assert not named & {"--worker_gpu", "--schedule", "--train_steps", "--problem"}
    # continuous_train_and_eval trains and evaluates.
    assert "eval at step 2" in result.stdout
    assert (run / "ckpt-2.index").exists()
    # Adam's update count (the schedule's step) goes on from T2T's step, not from 0.
    updates = tf.train.load_variable(str(run / "ckpt-2"), "optimizer/0/.ATTRIBUTES/VARIABLE_VALUE")
    assert int(updates) == 2


def test_trainer_warm_starts_from_a_t2t_run(t2t, tmp_path):
    result = run_binary(
        "t2t-trainer",
        f"--problem={PROBLEM}",
        f"--data_dir={t2t / 't2t_data_dir'}",
        f"--output_dir={tmp_path / 'run'}",
        "--hparams=hidden_size=16,filter_size=8,num_heads=2,num_hidden_layers=2,"
        "use_target_space_embedding=true,shared_embedding=true,batch_size=1024",
        f"--warm_start_from={t2t / 'transformer_test_ckpt'}",
        "--train_steps=1",
        "--schedule=train",
    )
    assert result.returncode == 0, result.stderr
    assert "warm-started the model weights from T2T's" in result.stderr
    # Without the target space embedding the T2T checkpoint does not fit: named, not dropped.
    result = run_binary(
        "t2t-trainer",
        f"--problem={PROBLEM}",
        f"--data_dir={t2t / 't2t_data_dir'}",
        f"--output_dir={tmp_path / 'other'}",
        "--hparams=hidden_size=16,filter_size=8,num_heads=2,num_hidden_layers=2,"
        "shared_embedding=true,batch_size=1024",
        f"--warm_start_from={t2t / 'transformer_test_ckpt'}",
        "--train_steps=1",
        "--schedule=train",
    )
    assert_fails(result, "--warm_start_from=", "target_space_embedding")
