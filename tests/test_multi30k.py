import gzip
import json
import os

import pytest

from t2t_lite.hparams import get_hparams
from t2t_lite.problems import get_problem

from binaries import run_binary
from records import read_examples
from shared_data import require_multi30k

# Runs binaries or trains models in subprocesses: `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

SPLIT_SIZES = {"train": 29_000, "dev": 1_014, "test": 1_000}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    raw = require_multi30k()
    data_dir = tmp_path_factory.mktemp("data")
    problem = get_problem("translate_ende_multi30k")
    assert problem.generate_data(str(data_dir), str(raw), seed=5)
    return problem, data_dir, raw


def raw_lines(raw, name):
    with gzip.open(raw / name, "rt", encoding="utf-8") as f:
        return [line.strip() for line in f]


def test_files_and_split_sizes(generated):
    problem, data_dir, _ = generated
    names = sorted(os.listdir(data_dir))
    assert "vocab.translate_ende_multi30k.8000.model" in names
    assert [n for n in names if "-train-" in n] == [
        f"translate_ende_multi30k-train-{i:05d}-of-00010" for i in range(10)
    ]
    assert "translate_ende_multi30k-dev-00000-of-00001" in names
    assert "translate_ende_multi30k-test-00000-of-00001" in names
    vocab_size = problem.vocabulary(str(data_dir))["inputs"].vocab_size
    assert 7000 <= vocab_size <= 8000
    for split, size in SPLIT_SIZES.items():
        examples = read_examples(str(data_dir / f"translate_ende_multi30k-{split}-*"))
        assert len(examples) == size
        for inputs, targets in examples:
            for ids in (inputs, targets):
                assert ids[-1] == 1 and 1 not in ids[:-1]
                assert min(ids[:-1]) >= 2 and max(ids) < vocab_size


def test_dev_set_round_trips_through_the_vocabulary(generated):
    problem, data_dir, raw = generated
    vocab = problem.vocabulary(str(data_dir))["inputs"]
    for lang in ("en", "de"):
        lines = raw_lines(raw, f"val.{lang}.gz")
        decoded = vocab.decode_batch(vocab.encode_batch(lines))
        assert decoded == lines


def test_stored_ids_decode_to_the_raw_pairs(generated):
    problem, data_dir, raw = generated
    vocab = problem.vocabulary(str(data_dir))["inputs"]
    want = set(
        zip(
            raw_lines(raw, "test_2016_flickr.en.gz"),
            raw_lines(raw, "test_2016_flickr.de.gz"),
            strict=True,
        )
    )
    examples = read_examples(str(data_dir / "translate_ende_multi30k-test-*"))
    sources = vocab.decode_batch([i for i, _ in examples])
    targets = vocab.decode_batch([t for _, t in examples])
    assert set(zip(sources, targets, strict=True)) == want


def test_reverse_problem_reads_german_as_inputs(generated):
    _, data_dir, _ = generated
    hparams = get_hparams("transformer_tiny", "batch_size=2048")
    forward = get_problem("translate_ende_multi30k").dataset(
        "eval", str(data_dir), hparams, split="test"
    )
    backward = get_problem("translate_ende_multi30k_rev").dataset(
        "eval", str(data_dir), hparams, split="test"
    )
    a, b = next(iter(forward)), next(iter(backward))
    assert (a["inputs"].numpy() == b["targets"].numpy()).all()
    assert (a["targets"].numpy() == b["inputs"].numpy()).all()


def test_reverse_problem_is_named_apart_but_shares_the_files(generated):
    _, data_dir, _ = generated
    forward, backward = (
        get_problem("translate_ende_multi30k"),
        get_problem("translate_ende_multi30k_rev"),
    )
    assert (forward.name, backward.name) == (
        "translate_ende_multi30k",
        "translate_ende_multi30k_rev",
    )
    assert backward.shard_paths(str(data_dir), "dev") == forward.shard_paths(str(data_dir), "dev")


def test_reverse_run_decodes_its_dev_set_german_to_english(generated, tmp_path):
    """The run records `_rev`, so the decoder rebuilds the reversed problem: its dev
    inputs are the German side and its references the English side."""
    _, data_dir, raw = generated
    output_dir = tmp_path / "run"
    trained = run_binary(
        "t2t-trainer",
        "--problem=translate_ende_multi30k_rev",
        f"--data_dir={data_dir}",
        f"--output_dir={output_dir}",
        "--hparams_set=transformer_tiny",
        "--hparams=hidden_size=16,filter_size=32,num_hidden_layers=1,num_heads=2,batch_size=512",
        "--train_steps=1",
        "--schedule=train",
    )
    assert trained.returncode == 0, trained.stderr
    assert (
        json.loads((output_dir / "hparams.json").read_text())["problem"]
        == "translate_ende_multi30k_rev"
    )
    decoded = run_binary(
        "t2t-decoder",
        f"--data_dir={data_dir}",
        f"--output_dir={output_dir}",
        "--decode_hparams=beam_size=1,extra_length=2,num_samples=5",
    )
    assert decoded.returncode == 0, decoded.stderr
    [base] = [p for p in output_dir.iterdir() if p.name.endswith(".decodes")]
    assert "translate_ende_multi30k_rev" in base.name
    inputs = base.with_name(base.name + ".inputs").read_text(encoding="utf-8").splitlines()
    targets = base.with_name(base.name + ".targets").read_text(encoding="utf-8").splitlines()
    assert len(inputs) == len(targets) == 5
    assert set(inputs) <= set(raw_lines(raw, "val.de.gz"))
    assert set(targets) <= set(raw_lines(raw, "val.en.gz"))


def test_generation_is_deterministic(generated, tmp_path):
    problem, data_dir, raw = generated
    get_problem("translate_ende_multi30k").generate_data(str(tmp_path), str(raw), seed=5)
    for name in os.listdir(data_dir):
        assert (tmp_path / name).read_bytes() == (data_dir / name).read_bytes(), name


def test_complete_problem_is_skipped_unless_overwrite(generated):
    problem, data_dir, raw = generated
    before = {n: os.stat(data_dir / n).st_mtime_ns for n in os.listdir(data_dir)}
    assert problem.generate_data(str(data_dir), str(raw), seed=5) is False
    assert before == {n: os.stat(data_dir / n).st_mtime_ns for n in os.listdir(data_dir)}
