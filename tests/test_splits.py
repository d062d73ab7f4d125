"""Which splits and shards exist is read from disk by datagen and every reader alike."""

import os

import pytest

from t2t_lite.errors import DataError
from t2t_lite.hparams import get_hparams
from t2t_lite.problems import get_problem

PROBLEM = "algorithmic_reverse_binary40_test"


def write(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


def corpus(directory, splits):
    directory.mkdir(exist_ok=True)
    pairs = [("a dog runs", "ein hund rennt"), ("two cats", "zwei katzen")] * 20
    return {
        split: (
            write(directory / f"{split}.src", [s for s, _ in pairs]),
            write(directory / f"{split}.tgt", [t for _, t in pairs]),
        )
        for split in splits
    }


def test_a_missing_shard_is_an_error_naming_it(tmp_path):
    problem = get_problem(PROBLEM)
    problem.generate_data(str(tmp_path), str(tmp_path), seed=1)
    assert problem.is_generated(str(tmp_path))
    os.remove(tmp_path / f"{PROBLEM}-train-00001-of-00002")
    with pytest.raises(
        DataError,
        match=r"train split of .* is incomplete: 1 of 2 shards are missing, "
        r"the first .*-train-00001-of-00002",
    ):
        problem.dataset("train", str(tmp_path), get_hparams("transformer_tiny"))
    with pytest.raises(DataError, match="incomplete"):
        problem.generate_data(str(tmp_path), str(tmp_path), seed=1)  # not taken for complete
    assert problem.generate_data(str(tmp_path), str(tmp_path), seed=1, overwrite=True)
    assert problem.data_files(str(tmp_path), "train")[-1].endswith("-train-00001-of-00002")


def test_readers_see_the_splits_on_disk_whatever_the_problem_generates(tmp_path):
    given = get_problem(
        "translate_parallel_text",
        corpus=corpus(tmp_path / "raw", ["train", "test"]),
        approx_vocab_size=300,
    )
    given.generate_data(str(tmp_path / "d"), str(tmp_path), seed=1)
    reader = get_problem("translate_parallel_text")  # as the trainer builds it: no corpus
    data_dir = str(tmp_path / "d")
    assert reader.is_generated(data_dir, splits=["train"]) and not reader.is_generated(data_dir)
    assert [os.path.basename(p) for p in reader.data_files(data_dir, "test")] == [
        "translate_parallel_text-test-00000-of-00001"
    ]
    assert reader.data_files(data_dir, "dev") == []
    with pytest.raises(
        DataError,
        match="no dev split of translate_parallel_text .*splits there: test, train.*evaluation",
    ):
        reader.dataset("eval", data_dir, get_hparams("transformer_tiny"))


def test_a_new_vocabulary_removes_the_splits_not_regenerated(tmp_path):
    data_dir = str(tmp_path / "d")
    first = get_problem(
        "translate_parallel_text",
        corpus=corpus(tmp_path / "a", ["train", "dev"]),
        approx_vocab_size=300,
    )
    first.generate_data(data_dir, str(tmp_path), seed=1)
    assert first.data_files(data_dir, "dev")
    second = get_problem(
        "translate_parallel_text", corpus=corpus(tmp_path / "b", ["train"]), approx_vocab_size=300
    )
    assert second.is_generated(data_dir)  # its one split is there: skipped without --overwrite
    assert not second.generate_data(data_dir, str(tmp_path), seed=1)
    assert second.generate_data(data_dir, str(tmp_path), seed=1, overwrite=True)
    want = [f"translate_parallel_text-train-{i:05d}-of-00010" for i in range(10)] + [
        "vocab.translate_parallel_text.model"
    ]
    assert sorted(os.listdir(data_dir)) == want
