import gzip
import os

import pytest

from binaries import run_binary
from records import read_examples
from shared_data import MULTI30K_FILES, multi30k_copy

# Runs binaries or trains models in subprocesses: `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

SENTENCES = [
    ("A dog runs on the beach.", "Ein Hund rennt am Strand."),
    ("Two children play soccer.", "Zwei Kinder spielen Fußball."),
    ("A woman reads a book.", "Eine Frau liest ein Buch."),
    ("A man rides a bicycle.", "Ein Mann fährt Fahrrad."),
] * 25


def write_corpus(directory, sources, targets, suffix=".txt"):
    directory.mkdir(exist_ok=True)
    paths = []
    for name, lines in (("src", sources), ("tgt", targets)):
        path = directory / f"{name}{suffix}"
        data = "".join(line + "\n" for line in lines).encode("utf-8")
        path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
        paths.append(str(path))
    return paths


def parallel_flags(source, target):
    return [
        "--problem=translate_parallel_text",
        f"--train_source={source}",
        f"--train_target={target}",
        "--approx_vocab_size=300",
    ]


def assert_fails(result, *fragments):
    assert result.returncode != 0, result.stdout + result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr


def test_generates_then_skips_then_overwrites(tmp_path):
    data = tmp_path / "data"
    args = [
        "--problem=algorithmic_reverse_binary40_test",
        f"--data_dir={data}",
        f"--tmp_dir={tmp_path}",
    ]
    first = run_binary("t2t-datagen", *args)
    assert first.returncode == 0, first.stderr
    assert f"is in {data}" in first.stdout
    shard = data / "algorithmic_reverse_binary40_test-train-00000-of-00002"
    assert len(read_examples(str(data / "*-train-*"))) == 1000
    mtime = os.stat(shard).st_mtime_ns
    second = run_binary("t2t-datagen", *args)
    assert second.returncode == 0 and "skipping" in second.stderr
    assert os.stat(shard).st_mtime_ns == mtime
    third = run_binary("t2t-datagen", *args, "--overwrite", "--max_cases=10")
    assert third.returncode == 0, third.stderr
    assert len(read_examples(str(data / "*-train-*"))) == 10


def test_registry_help_lists_problems_hparams_sets_and_models():
    result = run_binary("t2t-datagen", "--registry_help")
    assert result.returncode == 0, result.stderr
    for name in (
        "algorithmic_reverse_binary40",
        "translate_ende_multi30k_rev",
        "translate_ende_wmt32k",
        "languagemodel_text_files",
        "languagemodel_multi30k_en",
        "transformer_tiny",
    ):
        assert name in result.stdout
    assert "Models:\n  transformer\n" in result.stdout


def test_unknown_problem_suggests_close_names(tmp_path):
    result = run_binary("t2t-datagen", "--problem=translate_ende_multi30", f"--data_dir={tmp_path}")
    assert_fails(
        result, "unknown problem 'translate_ende_multi30'", "did you mean translate_ende_multi30k"
    )


def test_missing_data_dir_names_the_flag():
    assert_fails(
        run_binary("t2t-datagen", "--problem=algorithmic_reverse_binary40_test"),
        "--data_dir is required",
    )


def test_missing_raw_files_without_network_name_file_and_url(tmp_path):
    result = run_binary(
        "t2t-datagen",
        "--problem=translate_ende_multi30k",
        f"--data_dir={tmp_path / 'd'}",
        f"--tmp_dir={tmp_path / 'raw'}",
    )
    assert_fails(
        result,
        f"missing file {tmp_path / 'raw' / 'train.en.gz'}",
        "https://github.com/multi30k/dataset/raw/master/data/task1/raw/train.en.gz",
    )
    assert not (tmp_path / "d" / "translate_ende_multi30k-train-00000-of-00010").exists()


def test_corrupt_gzip_names_the_file(tmp_path):
    raw = multi30k_copy(tmp_path / "raw")
    corrupt = raw / MULTI30K_FILES[1]
    corrupt.write_bytes(corrupt.read_bytes()[:5000])
    result = run_binary(
        "t2t-datagen",
        "--problem=translate_ende_multi30k",
        f"--data_dir={tmp_path / 'd'}",
        f"--tmp_dir={raw}",
    )
    assert_fails(result, f"{corrupt}: corrupt gzip file")


def test_line_count_mismatch_gives_both_counts(tmp_path):
    source, target = write_corpus(tmp_path / "c", ["a b"] * 5, ["c d"] * 4, suffix=".txt.gz")
    result = run_binary(
        "t2t-datagen", *parallel_flags(source, target), f"--data_dir={tmp_path / 'd'}"
    )
    assert_fails(result, f"{source} has 5 lines", f"{target} has 4")


def test_non_utf8_line_names_file_and_line(tmp_path):
    source, target = write_corpus(tmp_path / "c", ["ok"] * 3, ["gut"] * 3)
    with open(source, "ab") as f:
        f.write(b"bad \xff byte\n")
    with open(target, "a") as f:
        f.write("schlecht\n")
    result = run_binary(
        "t2t-datagen", *parallel_flags(source, target), f"--data_dir={tmp_path / 'd'}"
    )
    assert_fails(result, f"{source}:4: not valid UTF-8")


def test_parallel_text_drops_and_counts_empty_lines(tmp_path):
    sources = [s for s, _ in SENTENCES] + ["", "An orphan source."]
    targets = [t for _, t in SENTENCES] + ["Leer.", ""]
    source, target = write_corpus(tmp_path / "c", sources, targets)
    data = tmp_path / "d"
    result = run_binary("t2t-datagen", *parallel_flags(source, target), f"--data_dir={data}")
    assert result.returncode == 0, result.stderr
    assert "dropped 2 pairs with an empty line" in result.stderr
    assert len(read_examples(str(data / "translate_parallel_text-train-*"))) == len(SENTENCES)
    assert (data / "vocab.translate_parallel_text.model").exists()


def test_parallel_text_needs_both_sides(tmp_path):
    result = run_binary(
        "t2t-datagen",
        "--problem=translate_parallel_text",
        "--train_source=x.txt",
        f"--data_dir={tmp_path}",
    )
    assert_fails(result, "--train_source needs --train_target")


def test_usr_dir_registers_a_problem(tmp_path):
    package = tmp_path / "my_problems"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from t2t_lite.problems import register_problem\n"
        "from t2t_lite.problems.algorithmic import AlgorithmicReverseBinary40Test\n\n"
        "@register_problem\n"
        "class MyTinyReverse(AlgorithmicReverseBinary40Test):\n"
        "    train_size = 7\n"
    )
    data = tmp_path / "data"
    result = run_binary(
        "t2t-datagen", f"--t2t_usr_dir={package}", "--problem=my_tiny_reverse", f"--data_dir={data}"
    )
    assert result.returncode == 0, result.stderr
    assert len(read_examples(str(data / "my_tiny_reverse-train-*"))) == 7
    assert_fails(
        run_binary("t2t-datagen", f"--t2t_usr_dir={tmp_path / 'nope'}", "--registry_help"),
        "--t2t_usr_dir=",
    )


def test_wmt_without_prepared_tfds_data_says_how_to_prepare(tmp_path):
    result = run_binary(
        "t2t-datagen",
        "--problem=translate_ende_wmt32k",
        f"--data_dir={tmp_path / 'd'}",
        f"--tmp_dir={tmp_path / 'raw'}",
    )
    assert_fails(
        result,
        "TFDS dataset wmt14_translate/de-en is not prepared",
        f"tfds build wmt14_translate/de-en --data_dir={tmp_path / 'raw'}",
    )
