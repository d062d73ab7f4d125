"""Scoring given pairs (`t2t-decoder --score_file`): the loss T2T writes, against greedy
search's own log-probability of its output and a NumPy log-softmax over a forward pass;
the binary as a user runs it, and its bad lines."""

import numpy as np
import pytest

from t2t_lite import decoding, runs
from t2t_lite.errors import DataError
from t2t_lite.problems import get_problem

from binaries import run_binary
from decode_runs import REVERSE_PROBLEM

pytestmark = pytest.mark.slow

SOURCES = ["0 1 1", "1 0 0 1 1", "1", "0 0 1 0 1 1 0"]


@pytest.fixture(scope="module")
def trained(reverse_run):
    data_dir, output_dir = reverse_run
    run = runs.open_trained_run(output_dir, data_dir)
    return run


def test_the_loss_of_a_greedy_output_is_its_search_log_probability(trained):
    vocabulary = trained.vocabulary
    decoder = decoding.IdDecoder(trained.model, decoding.GreedySearch(extra_length=5))
    sequences, _ = decoding.encode_lines(SOURCES, vocabulary["inputs"], trained.hparams.max_length)
    results = decoding.decode_sequences(decoder, sequences, batch_size=4)
    outputs = vocabulary["targets"].decode_batch([ids for ids, _ in results])
    pairs = [f"{s}\t{o}" for s, o in zip(SOURCES, outputs, strict=True)]
    losses = decoding.score_lines(
        trained.model, pairs, vocabulary, trained.hparams.max_length, batch_size=3
    )
    log_probs = decoding.score_lines(
        trained.model, pairs, vocabulary, trained.hparams.max_length, 3, mode="log_prob"
    )
    for (ids, search_log_prob), loss, log_prob in zip(results, losses, log_probs, strict=True):
        assert ids[-1] == 1  # the search ended in EOS: the scored target is its whole output
        assert -loss * len(ids) == pytest.approx(search_log_prob, abs=1e-4)
        assert log_prob == pytest.approx(search_log_prob, abs=1e-4)


def test_scores_are_a_numpy_log_softmax_over_one_forward_pass(trained):
    vocabulary = trained.vocabulary
    pairs = ["0 1 1\t1 1 0", "1 0\t1 1 1 1", "1 1 0 1\t0"]  # right, wrong, short
    losses = decoding.score_lines(
        trained.model, pairs, vocabulary, trained.hparams.max_length, batch_size=2
    )
    for pair, loss in zip(pairs, losses, strict=True):
        source, target = pair.split("\t")
        inputs = np.array([vocabulary["inputs"].encode(source) + [1]])
        targets = np.array([vocabulary["targets"].encode(target) + [1]])
        logits = trained.model({"inputs": inputs, "targets": targets}, training=False)
        logits = np.asarray(logits, np.float64)[0]
        top = logits.max(-1, keepdims=True)
        log_softmax = logits - top - np.log(np.exp(logits - top).sum(-1, keepdims=True))
        nll = -log_softmax[np.arange(targets.shape[1]), targets[0]]
        assert loss == pytest.approx(nll.mean(), abs=1e-5)
    assert losses[0] < losses[1]  # the right reversal is the likelier


def test_a_line_without_a_tab_and_a_target_too_long_are_named(trained):
    vocabulary, max_length = trained.vocabulary, trained.hparams.max_length
    with pytest.raises(DataError, match=r"pairs.txt:2: no tab"):
        decoding.score_lines(trained.model, ["0\t0", "1 1"], vocabulary, max_length, 2, "loss",
                             "pairs.txt")  # fmt: skip
    with pytest.raises(DataError, match=r"pairs.txt:1: 2 tabs"):
        decoding.score_lines(trained.model, ["0\t1\t1"], vocabulary, max_length, 2, "loss",
                             "pairs.txt")  # fmt: skip
    long_target = " ".join(["1"] * max_length)
    with pytest.raises(DataError, match=rf"pairs.txt:1: the target has {max_length + 1} ids"):
        decoding.score_lines(trained.model, [f"0\t{long_target}"], vocabulary, max_length, 2,
                             "loss", "pairs.txt")  # fmt: skip


def test_score_file_writes_one_number_per_line_in_order(reverse_run, tmp_path):
    data_dir, output_dir = reverse_run
    examples = list(get_problem(REVERSE_PROBLEM).read_examples(data_dir))[:5]
    pairs = [
        " ".join(str(i - 2) for i in inputs[:-1]) + "\t" + " ".join(str(i - 2) for i in t[:-1])
        for inputs, t in examples
    ]
    pairs.append(pairs[0].split("\t")[0] + "\t1 1 1 1 1 1")  # a wrong target: higher loss
    score_file = tmp_path / "pairs.txt"
    score_file.write_text("\n".join(pairs) + "\n", encoding="utf-8")
    target = tmp_path / "scores.txt"
    target.write_text("earlier\n", encoding="utf-8")

    def score():
        return run_binary(
            "t2t-decoder",
            f"--data_dir={data_dir}",
            f"--output_dir={output_dir}",
            f"--score_file={score_file}",
            f"--decode_to_file={target}",
        )

    result = score()
    assert result.returncode == 0, result.stderr
    lines = target.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(pairs)
    assert all(len(line.split(".")[1]) == 6 for line in lines)
    values = [float(line) for line in lines]
    assert max(values[:-1]) < values[-1]
    assert values[-1] > 0.0

    score_file.write_text("0 1\n", encoding="utf-8")
    result = score()
    assert result.returncode != 0
    assert f"--score_file={score_file}:1: no tab" in result.stderr
    assert target.read_text(encoding="utf-8").splitlines() == lines  # left as it was
