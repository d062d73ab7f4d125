"""Greedy and beam search over hand-set step functions, checked against brute force and
the length-penalty formula computed in NumPy."""

import itertools

import numpy as np
import pytest
import tensorflow as tf

from t2t_lite.decoding import beam_search, greedy_search

EOS = 1
FLOOR = 1e-9  # the probability of "impossible" ids, so that logits stay finite


def log_table(rows: dict, vocab_size: int) -> np.ndarray:
    """Log-probabilities from `{key: {id: probability}}`; unnamed ids get FLOOR."""
    table = np.full((max(rows) + 1, vocab_size), FLOOR)
    for key, probs in rows.items():
        for token, p in probs.items():
            table[key, token] = p
    return np.log(table / table.sum(axis=1, keepdims=True)).astype(np.float32)


def history_step_fn(logits_of_history, max_length):
    """A step function whose state is the ids fed so far, so a wrong beam reordering
    changes the results; `logits_of_history(fed [rows, max_length], position)`."""

    def step(ids, position, fed):
        fed += ids[:, None] * tf.one_hot(position, max_length, dtype=tf.int32)
        return logits_of_history(fed, position), fed

    return step


# Ids: 0 pad, 1 EOS, 2 A, 3 B, 4 C, 5..10 fillers.
# Position 0: A 0.6, B 0.4. Position 1: C. Position 2: after A: EOS 0.2 or one of six
# fillers (0.8/6 each); after B: EOS. After a filler: EOS.
# Greedy takes A C EOS (0.6 * 0.2 = 0.12); the best sequence is B C EOS (0.4).
VOCAB = 11
TABLE = log_table(
    {
        0: {2: 0.6, 3: 0.4},  # position 0
        1: {4: 1.0},  # position 1
        2: {EOS: 0.2, **{f: 0.8 / 6 for f in range(5, 11)}},  # position 2 after A
        3: {EOS: 1.0},  # position 2 after B
        4: {EOS: 1.0},  # after a filler, or anything later
    },
    VOCAB,
)


def trap_logits(fed, position):
    # fed[:, 1] is the first id produced (fed[:, 0] is the pad fed at position 0).
    first = fed[:, 1]
    row = tf.where(position == 0, 0, tf.where(position == 1, 1, tf.where(position == 2, first, 4)))
    row = tf.broadcast_to(row, tf.shape(first))
    return tf.gather(TABLE, row)


def run_trap(search, **kwargs):
    length = 6
    batch = 2
    step = history_step_fn(trap_logits, length)
    if search == "greedy":
        state = tf.zeros([batch, length], tf.int32)
        return greedy_search(step, state, batch, length, EOS)
    beam = kwargs["beam_size"]
    state = tf.zeros([batch * beam, length], tf.int32)
    return beam_search(step, state, batch, beam, length, kwargs.get("alpha", 0.0), EOS)


def test_greedy_takes_the_locally_best_path_and_scores_it_up_to_eos():
    ids, scores = run_trap("greedy")
    np.testing.assert_array_equal(ids.numpy(), [[2, 4, EOS, 0, 0, 0]] * 2)
    np.testing.assert_allclose(scores.numpy(), [np.log(0.6 * 1.0 * 0.2)] * 2, rtol=1e-5)


@pytest.mark.parametrize("beam_size", [2, 3, 4])
def test_beam_search_finds_the_sequence_greedy_misses(beam_size):
    ids, scores = run_trap("beam", beam_size=beam_size)
    assert ids.shape == (2, beam_size, 6)
    np.testing.assert_array_equal(ids.numpy()[:, 0], [[3, 4, EOS, 0, 0, 0]] * 2)
    np.testing.assert_allclose(scores.numpy()[:, 0], [np.log(0.4)] * 2, rtol=1e-5)
    # The second beam is greedy's sequence.
    np.testing.assert_array_equal(ids.numpy()[:, 1], [[2, 4, EOS, 0, 0, 0]] * 2)


def test_beam_search_with_length_penalty_scores_by_the_formula():
    alpha = 0.6
    ids, scores = run_trap("beam", beam_size=2, alpha=alpha)
    penalty = ((5.0 + 3) / 6.0) ** alpha
    np.testing.assert_allclose(
        scores.numpy()[0], [np.log(0.4) / penalty, np.log(0.12) / penalty], rtol=1e-5
    )


def test_unfinished_beams_score_their_log_probability_without_penalty_as_t2t():
    # EOS is impossible: T2T returns the alive beams with their plain log-probabilities.
    length, alpha = 2, 0.6
    table = np.full([VOCAB], -np.inf, np.float32)
    table[2], table[3] = np.log(0.6), np.log(0.4)

    def logits(fed, position):
        return tf.broadcast_to(table, [tf.shape(fed)[0], VOCAB])

    step = history_step_fn(logits, length)
    ids, scores = beam_search(step, tf.zeros([2, length], tf.int32), 1, 2, length, alpha, EOS)
    np.testing.assert_array_equal(ids.numpy()[0], [[2, 2], [2, 3]])
    np.testing.assert_allclose(scores.numpy()[0], np.log([0.36, 0.24]), rtol=1e-5)


# A random model over ids {0 pad, 1 EOS, 2, 3} whose next-id distribution depends on the
# position and the previous id. Pad is never likely.
RANDOM_LENGTH = 4
RANDOM_VOCAB = 4


def random_table(seed):
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 1.5, size=(RANDOM_LENGTH, RANDOM_VOCAB, RANDOM_VOCAB))
    logits[:, :, 0] = -30.0
    return (logits - np.log(np.exp(logits).sum(-1, keepdims=True))).astype(np.float32)


def sequence_log_prob(table, seq):
    total, previous = 0.0, 0
    for position, token in enumerate(seq):
        total += float(table[position, previous, token])
        previous = token
    return total


def all_finished_sequences():
    """Every sequence of symbols 2/3 ending in EOS that fits in RANDOM_LENGTH ids."""
    for length in range(1, RANDOM_LENGTH + 1):
        for body in itertools.product([2, 3], repeat=length - 1):
            yield list(body) + [EOS]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("alpha", [0.0, 0.6, 2.0])
def test_exhaustive_beam_search_matches_brute_force(seed, alpha):
    table = random_table(seed)
    beam = 2 ** (RANDOM_LENGTH - 1)  # every alive prefix fits: the search is exhaustive

    def logits(fed, position):
        previous = tf.gather(fed, position, axis=1)
        return tf.gather(tf.gather(table, position), previous)

    step = history_step_fn(logits, RANDOM_LENGTH)
    state = tf.zeros([beam, RANDOM_LENGTH], tf.int32)
    ids, scores = beam_search(step, state, 1, beam, RANDOM_LENGTH, alpha, EOS)
    ids, scores = ids.numpy()[0], scores.numpy()[0]

    def penalised(seq):
        return sequence_log_prob(table, seq) / ((5.0 + len(seq)) / 6.0) ** alpha

    best = max(all_finished_sequences(), key=penalised)
    finished = [
        (list(row[: list(row).index(EOS) + 1]), s)
        for row, s in zip(ids, scores, strict=True)
        if EOS in row and s > -np.inf
    ]
    assert finished[0][0] == best
    # Every finished beam's score is its recomputed penalised score; best first.
    for row, score in finished:
        assert row[-1] == EOS
        assert score == pytest.approx(penalised(row), rel=1e-4, abs=1e-4)
    assert [s for _, s in finished] == sorted(scores[: len(finished)], reverse=True)


def test_beams_finishing_at_different_steps_stop_at_eos_and_pad_after():
    table = random_table(3)

    def logits(fed, position):
        previous = tf.gather(fed, position, axis=1)
        return tf.gather(tf.gather(table, position), previous)

    beam = 3
    step = history_step_fn(logits, RANDOM_LENGTH)
    ids, _ = beam_search(
        step, tf.zeros([2 * beam, RANDOM_LENGTH], tf.int32), 2, beam, RANDOM_LENGTH, 0.0, EOS
    )
    lengths = set()
    for row in ids.numpy().reshape(-1, RANDOM_LENGTH):
        if EOS in row:
            end = list(row).index(EOS)
            lengths.add(end)
            assert not row[end + 1 :].any(), row
            assert set(row[:end]) <= {2, 3}, row
    assert len(lengths) > 1, "this table should finish beams at different lengths"


def test_greedy_stops_each_row_at_its_own_eos():
    # Row r emits EOS at position r: the state holds the row index.
    def step(ids, position, rows):
        eos_now = tf.equal(rows, position)
        logits = tf.where(
            eos_now[:, None], tf.constant([[-1.0, 1.0, -1.0]]), tf.constant([[-1.0, -1.0, 1.0]])
        )
        return logits, rows

    ids, scores = greedy_search(step, tf.range(3), 3, 5, EOS)
    np.testing.assert_array_equal(ids.numpy(), [[1, 0, 0, 0, 0], [2, 1, 0, 0, 0], [2, 2, 1, 0, 0]])
    per_id = np.log(np.exp(1.0) / (np.exp(1.0) + 2 * np.exp(-1.0)))
    np.testing.assert_allclose(scores.numpy(), per_id * np.array([1, 2, 3]), rtol=1e-5)
