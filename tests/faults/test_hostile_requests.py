"""The served model under hostile strings: empty, whitespace only, 100 KB of text, bytes
that are not UTF-8, emoji and mixed scripts, words where the algorithmic vocabulary
expects numbers, and a batch of 512. Nothing fails and row i of the output answers
row i of the input (checked against requests whose longest input, which
sets the output length limit, is the same)."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_text  # noqa: F401  (the tokenizer ops)

# Runs binaries or trains models in subprocesses: `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

HOSTILE = [
    b"",
    b"   \t  ",
    ("a man rides a horse . " * 5000).encode(),  # ~110 KB
    b"\xff\xfe\x80 broken \xc3\x28 utf-8 \xed\xa0\x80",
    "🐴🏇 ein Mann reitet 乗馬 всадник ∑∞ \u202e\u200b".encode(),
    b"1 0 1 two 3 -1 1.5 99999999999999999999 0",
    b"\x00\x01\x02 control \x1b[31m",
]


@pytest.fixture(scope="module")
def served(text_export, reverse_exports):
    return {
        "subword": tf.saved_model.load(str(text_export)).signatures["serving_default"],
        "symbols": tf.saved_model.load(str(reverse_exports / "2")).signatures["serving_default"],
    }


@pytest.mark.parametrize("kind", ["subword", "symbols"])
def test_hostile_strings_get_aligned_answers(served, kind):
    serve = served[kind]
    batch = serve(inputs=tf.constant(HOSTILE))
    outputs, scores = batch["outputs"].numpy(), batch["scores"].numpy()
    assert outputs.shape == scores.shape == (len(HOSTILE),)
    assert np.all(np.isfinite(scores))
    assert outputs[0] == b"" and scores[0] == 0.0 and outputs[1] == b"" and scores[1] == 0.0
    # The output length limit follows the batch's longest input, so each row is compared
    # with that row sent beside the longest one only.
    longest = HOSTILE[2]
    for i, text in enumerate(HOSTILE):
        alone = serve(inputs=tf.constant([text, longest]))["outputs"].numpy()[0]
        assert alone == outputs[i], (i, text[:40])


def test_words_in_an_algorithmic_request_are_dropped_not_fatal(served):
    serve = served["symbols"]
    mixed = serve(inputs=tf.constant([b"1 0 1 two 3 -1 1.5 99999999999999999999 0"]))[
        "outputs"
    ].numpy()[0]
    clean = serve(inputs=tf.constant([b"1 0 1 0"]))["outputs"].numpy()[0]
    assert mixed == clean


@pytest.mark.parametrize("kind", ["subword", "symbols"])
def test_a_batch_of_512_is_answered_row_for_row(served, kind):
    serve = served[kind]
    rng = np.random.default_rng(0)
    pool = ["a dog runs .", "1 0 1 1", "", "zwei Männer", "0 0 0 1 1", "🐕"]
    texts = pool + [pool[i] for i in rng.integers(0, len(pool), 512 - len(pool))]
    outputs = serve(inputs=tf.constant(texts))["outputs"].numpy()
    assert outputs.shape == (512,)
    # The pool as one batch has the same longest input, so the same output length limit.
    answers = dict(zip(pool, serve(inputs=tf.constant(pool))["outputs"].numpy(), strict=True))
    assert [answers[text] for text in texts] == list(outputs)
