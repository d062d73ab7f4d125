import os

import pytest

from t2t_lite.errors import DataError
from t2t_lite.problems import get_problem

PAIRS = [
    ("A dog runs on the beach.", "Ein Hund rennt am Strand."),
    ("Two kids play.", "Zwei Kinder spielen."),
] * 30


def write(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


def corpus(directory, pairs, bad_dev=False):
    directory.mkdir(exist_ok=True)
    train = (
        write(directory / "train.src", [s for s, _ in pairs]),
        write(directory / "train.tgt", [t for _, t in pairs]),
    )
    dev_src = write(directory / "dev.src", ["Ein Satz."])
    if bad_dev:
        with open(dev_src, "ab") as f:
            f.write(b"\xff\n")
    dev = (dev_src, write(directory / "dev.tgt", ["A sentence."] * (2 if bad_dev else 1)))
    return {"train": train, "dev": dev}


def snapshot(directory):
    return {name: (directory / name).read_bytes() for name in sorted(os.listdir(directory))}


def test_failed_overwrite_leaves_previous_files_as_they_were_and_rerun_succeeds(tmp_path):
    data = tmp_path / "data"
    problem = get_problem(
        "translate_parallel_text", corpus=corpus(tmp_path / "a", PAIRS), approx_vocab_size=300
    )
    problem.generate_data(str(data), str(tmp_path), seed=1)
    before = snapshot(data)
    assert "vocab.translate_parallel_text.model" in before

    other = PAIRS + [("A cat sleeps in the sun.", "Eine Katze schläft in der Sonne.")] * 30
    failing = get_problem(
        "translate_parallel_text",
        corpus=corpus(tmp_path / "b", other, bad_dev=True),
        approx_vocab_size=300,
    )
    with pytest.raises(DataError, match="dev.src:2: not valid UTF-8"):
        failing.generate_data(str(data), str(tmp_path), seed=1, overwrite=True)
    # The failed run removed its own temporaries: the directory is exactly as before.
    assert snapshot(data) == before

    good = get_problem(
        "translate_parallel_text", corpus=corpus(tmp_path / "c", other), approx_vocab_size=300
    )
    good.generate_data(str(data), str(tmp_path), seed=1, overwrite=True)
    final = snapshot(data)
    assert not [n for n in final if n.startswith(".incomplete-")]
    assert (
        final["vocab.translate_parallel_text.model"]
        != before["vocab.translate_parallel_text.model"]
    )


def test_a_problem_missing_its_vocabulary_is_not_complete(tmp_path):
    problem = get_problem(
        "translate_parallel_text", corpus=corpus(tmp_path / "a", PAIRS), approx_vocab_size=300
    )
    problem.generate_data(str(tmp_path / "d"), str(tmp_path), seed=1)
    assert problem.is_generated(str(tmp_path / "d"))
    os.remove(tmp_path / "d" / "vocab.translate_parallel_text.model")
    assert not problem.is_generated(str(tmp_path / "d"))
