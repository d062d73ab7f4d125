"""The language-model problems write `targets` alone, one example per non-empty line,
through a sentencepiece vocabulary built from the train text: the user's files (plain or
gzipped) and the English side of Multi30k."""

import gzip

import pytest

from t2t_lite.errors import DataError
from t2t_lite.problems import get_problem

from records import read_examples
from shared_data import require_multi30k

TRAIN = [
    f"the {colour} {animal} runs home"
    for colour in ("red", "blue", "green")
    for animal in ("dog", "cat", "bird", "horse")
] * 5


def test_text_files_plain_or_gzipped_become_targets_only(tmp_path):
    train = tmp_path / "train.txt.gz"
    with gzip.open(train, "wt", encoding="utf-8") as f:
        f.write("\n".join(TRAIN[:20]) + "\n\n" + "\n".join(TRAIN[20:]) + "\n")
    dev = tmp_path / "dev.txt"
    dev.write_text("a red dog runs\n\nthe cat\n", encoding="utf-8")
    problem = get_problem(
        "languagemodel_text_files",
        corpus={"train": str(train), "dev": str(dev)},
        approx_vocab_size=300,
    )
    assert problem.features == ("targets",) and not problem.has_inputs
    data_dir = tmp_path / "data"
    assert problem.generate_data(str(data_dir), str(tmp_path), seed=3)
    vocab = problem.vocabulary(str(data_dir))
    assert list(vocab) == ["targets"]
    train_ids = read_examples(str(data_dir / "languagemodel_text_files-train-*"), ("targets",))
    assert len(train_ids) == len(TRAIN)  # the empty line is skipped
    decoded = sorted(vocab["targets"].decode_batch([ids[:-1] for (ids,) in train_ids]))
    assert decoded == sorted(TRAIN)
    assert all(ids[-1] == 1 for (ids,) in train_ids)
    dev_ids = read_examples(str(data_dir / "languagemodel_text_files-dev-*"), ("targets",))
    assert sorted(vocab["targets"].decode_batch([i[:-1] for (i,) in dev_ids])) == [
        "a red dog runs",
        "the cat",
    ]
    # What the reader gives the model: the same ids, in `features` order.
    read_back = sorted(
        ids for (ids,) in get_problem("languagemodel_text_files").read_examples(str(data_dir))
    )
    assert read_back == sorted(ids for (ids,) in dev_ids)


def test_an_empty_text_file_is_an_error_naming_it(tmp_path):
    empty = tmp_path / "train.txt"
    empty.write_text("\n\n", encoding="utf-8")
    problem = get_problem("languagemodel_text_files", corpus={"train": str(empty)})
    with pytest.raises(DataError, match=f"{empty}: no text"):
        problem.generate_data(str(tmp_path / "data"), str(tmp_path))
    assert not (tmp_path / "data").exists()


@pytest.mark.slow
def test_multi30k_english_as_a_language_model(tmp_path):
    raw = require_multi30k()
    problem = get_problem("languagemodel_multi30k_en")
    data_dir = tmp_path / "data"
    assert problem.generate_data(str(data_dir), str(raw), seed=1, max_cases=300)
    vocab = problem.vocabulary(str(data_dir))["targets"]
    assert 3000 <= vocab.vocab_size <= 4000
    with gzip.open(raw / "val.en.gz", "rt", encoding="utf-8") as f:
        first_val = [line.strip() for line in f][:300]
    dev = read_examples(str(data_dir / "languagemodel_multi30k_en-dev-*"), ("targets",))
    assert sorted(vocab.decode_batch([ids[:-1] for (ids,) in dev])) == sorted(first_val)
    assert sorted(p.name for p in data_dir.iterdir() if "-test-" in p.name) == [
        "languagemodel_multi30k_en-test-00000-of-00001"
    ]
