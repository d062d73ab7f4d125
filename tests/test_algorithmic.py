import os

import pytest

from t2t_lite.problems import get_problem

from records import read_examples

CASES = 300


def generate(tmp_path, name, seed=7, max_cases=CASES):
    problem = get_problem(name)
    problem.generate_data(str(tmp_path), str(tmp_path / "raw"), seed=seed, max_cases=max_cases)
    return problem


def strip_eos(ids):
    assert ids[-1] == 1 and 1 not in ids[:-1] and 0 not in ids
    return [i - 2 for i in ids[:-1]]


def from_lower_endian(digits, base):
    return sum(d * base**i for i, d in enumerate(digits))


def check(name, inputs, targets):
    if name.startswith("algorithmic_identity"):
        assert targets == inputs
    elif name.startswith("algorithmic_reverse"):
        assert targets == inputs[::-1]
    elif name == "algorithmic_sort_problem":
        assert targets == sorted(inputs)
    else:
        base = 2 if "binary" in name else 10
        plus = inputs.index(base)
        want = from_lower_endian(inputs[:plus], base) + from_lower_endian(inputs[plus + 1 :], base)
        assert from_lower_endian(targets, base) == want
        assert targets[-1] != 0 or len(targets) == 1


@pytest.mark.parametrize(
    "name,num_symbols,train_length",
    [
        ("algorithmic_identity_binary40", 2, 40),
        ("algorithmic_reverse_binary40", 2, 40),
        ("algorithmic_reverse_decimal40", 10, 40),
        ("algorithmic_reverse_decimal12", 10, 12),
        ("algorithmic_addition_binary40", 3, 40),
        ("algorithmic_addition_decimal40", 11, 40),
        ("algorithmic_sort_problem", 20, 10),
        ("algorithmic_reverse_binary40_test", 2, 10),
    ],
)
def test_generated_files_follow_t2t(tmp_path, name, num_symbols, train_length):
    problem = generate(tmp_path, name)
    train_shards = problem.num_shards["train"]
    names = sorted(os.listdir(tmp_path))
    assert [n for n in names if "-train-" in n] == [
        f"{name}-train-{i:05d}-of-{train_shards:05d}" for i in range(train_shards)
    ]
    assert f"{name}-dev-00000-of-00001" in names
    assert not [n for n in names if n.startswith(".incomplete")]
    train = read_examples(str(tmp_path / f"{name}-train-*"))
    dev = read_examples(str(tmp_path / f"{name}-dev-*"))
    assert len(train) == min(CASES, problem.train_size)
    assert len(dev) == min(CASES, problem.dev_size)
    for inputs, targets in train + dev:
        inputs, targets = strip_eos(inputs), strip_eos(targets)
        assert all(0 <= s < num_symbols for s in inputs + targets)
        check(name, inputs, targets)
    assert max(len(i) - 1 for i, _ in train) <= train_length
    assert max(len(i) - 1 for i, _ in dev) <= problem.dev_length
    assert problem.vocabulary(str(tmp_path))["inputs"].vocab_size == num_symbols + 2


def test_dev_sequences_are_longer(tmp_path):
    generate(tmp_path, "algorithmic_reverse_binary40", max_cases=2000)
    train = read_examples(str(tmp_path / "*-train-*"))
    dev = read_examples(str(tmp_path / "*-dev-*"))
    assert max(len(i) for i, _ in train) == 41
    assert max(len(i) for i, _ in dev) > 100


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    for directory, seed in (("a", 1), ("b", 1), ("c", 2)):
        generate(tmp_path / directory, "algorithmic_reverse_binary40_test", seed=seed)
    shard = "algorithmic_reverse_binary40_test-train-00001-of-00002"
    a, b, c = ((tmp_path / d / shard).read_bytes() for d in "abc")
    assert a == b
    assert a != c


def test_files_are_shuffled_not_in_generation_order(tmp_path):
    generate(tmp_path, "algorithmic_reverse_binary40_test", max_cases=0)
    train = read_examples(str(tmp_path / "*-train-*"))
    assert len(train) == 1000
    lengths = [len(i) for i, _ in train]
    assert lengths != sorted(lengths)
