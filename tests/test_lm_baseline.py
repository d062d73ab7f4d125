"""bench/lm_results.py's Kneser-Ney trigram, the baseline docs/results.md compares the
language model with: a distribution over the vocabulary in every context, and the
perplexity of a deterministic text near 1."""

import importlib.util
import math
import pathlib
import random

import pytest

SCRIPT = pathlib.Path(__file__).resolve().parents[1] / "bench" / "lm_results.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("lm_results", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_context_sums_to_one(bench):
    rng = random.Random(0)
    sentences = [[rng.randint(2, 30) for _ in range(rng.randint(1, 8))] + [1] for _ in range(300)]
    model = bench.KneserNeyTrigram(sentences, 32)
    for context in [(bench.BOS, bench.BOS), (bench.BOS, 5), (5, 7), (31, 31), (40, 41)]:
        total = sum(model.probability(*context, token) for token in range(32))
        assert total == pytest.approx(1.0, abs=1e-9), context


def test_a_text_it_has_seen_many_times_is_nearly_certain(bench):
    sentences = [[3, 4, 5, 6, 1]] * 200
    log_likelihood, tokens = bench.KneserNeyTrigram(sentences, 10).log_likelihood(sentences[:1])
    assert tokens == 5
    assert 1.0 < math.exp(-log_likelihood / tokens) < 1.05
