"""Cached greedy and beam search on a trained model, against decoding that reruns the
whole model (its plain forward pass) for every new id."""

import numpy as np
import pytest
import tensorflow as tf

from t2t_lite import decoding, models, runs
from t2t_lite.problems import get_problem

from decode_runs import REVERSE_PROBLEM

# Runs binaries or trains models in subprocesses: `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

EOS = models.EOS_ID


@pytest.fixture(scope="module")
def model_and_inputs(reverse_run):
    data_dir, output_dir = reverse_run
    hparams = runs.load_run_hparams(output_dir)
    model = runs.load_trained_model(hparams, runs.find_checkpoint(output_dir))
    examples = list(get_problem(REVERSE_PROBLEM).read_examples(data_dir))
    # Inputs of different lengths, at most 10 symbols as in training.
    by_length = {}
    for inputs, targets in examples:
        if len(inputs) <= 11:
            by_length.setdefault(len(inputs), (inputs, targets))
    chosen = [by_length[n] for n in sorted(by_length)][::-1]
    assert len(chosen) >= 8
    return model, chosen


def pad(sequences):
    width = max(len(s) for s in sequences)
    return np.array([list(s) + [0] * (width - len(s)) for s in sequences], np.int32)


def full_recompute_greedy(model, inputs, decode_length):
    """Greedy decoding of one input through `model(features)` (teacher-forced forward
    pass, no cache) over every id so far, with the score from its log-softmax."""
    ids, score = [], 0.0
    for _ in range(decode_length):
        features = {
            "inputs": tf.constant([inputs], tf.int32),
            "targets": tf.constant([ids + [0]], tf.int32),
        }
        log_probs = tf.nn.log_softmax(model(features, training=False)[0, -1]).numpy()
        token = int(np.argmax(log_probs))
        ids.append(token)
        score += float(log_probs[token])
        if token == EOS:
            break
    return ids, score


def test_cached_greedy_equals_full_recompute_row_by_row(model_and_inputs):
    model, examples = model_and_inputs
    inputs = [e[0] for e in examples]
    extra = 5
    ids, scores = decoding.decode_ids(model, pad(inputs), decoding.GreedySearch(extra_length=extra))
    ids, scores = ids.numpy(), scores.numpy()
    decode_length = max(len(s) for s in inputs) + extra
    assert ids.shape == (len(inputs), decode_length)
    finished = 0
    for row, sequence in enumerate(inputs):
        # The reference gets the batch's length limit, so rows that never produce EOS
        # compare too.
        expected, expected_score = full_recompute_greedy(model, sequence, decode_length)
        finished += expected[-1] == EOS
        assert decoding.cut_at_eos(ids[row]) == expected
        assert not ids[row, len(expected) :].any(), "ids after EOS are padding"
        assert scores[row] == pytest.approx(expected_score, abs=1e-4)
        alone, _ = decoding.decode_ids(
            model,
            pad([sequence]),
            decoding.GreedySearch(extra_length=decode_length - len(sequence)),
        )
        assert decoding.cut_at_eos(alone.numpy()[0]) == expected
    assert finished >= len(inputs) // 2, "the trained model should end most outputs"


@pytest.mark.parametrize("beam_size,alpha", [(2, 0.0), (4, 0.6)])
def test_cached_beam_search_equals_uncached(model_and_inputs, beam_size, alpha):
    model, examples = model_and_inputs
    batch = pad([e[0] for e in examples])
    strategy = decoding.BeamSearch(beam_size, alpha, return_beams=True, extra_length=4)
    cached_ids, cached_scores = decoding.decode_ids(model, batch, strategy)
    full_ids, full_scores = decoding.decode_ids(model, batch, strategy, cached=False)
    np.testing.assert_array_equal(cached_ids.numpy(), full_ids.numpy())
    np.testing.assert_allclose(cached_scores.numpy(), full_scores.numpy(), atol=1e-4)
    assert cached_ids.shape[:2] == (len(examples), beam_size)


def test_beam_search_of_one_beam_is_greedy_or_an_ended_greedy_prefix(model_and_inputs):
    """With one beam (alpha 0) the alive beam follows greedy's path, and finished keeps
    the best EOS ending seen: greedy's own, or an earlier prefix + EOS scoring higher."""
    model, examples = model_and_inputs
    batch = pad([e[0] for e in examples])
    greedy_ids, greedy_scores = decoding.decode_ids(
        model, batch, decoding.GreedySearch(extra_length=4)
    )
    encoder_output, bias = model.encode(tf.constant(batch), training=False)
    length = batch.shape[1] + 4
    step, state = decoding.cached_step_fn(model, encoder_output, bias, length)
    beam_ids, beam_scores = decoding.beam_search(step, state, len(batch), 1, length, 0.0, EOS)
    same = 0
    for row in range(len(batch)):
        greedy = decoding.cut_at_eos(greedy_ids.numpy()[row])
        beam = decoding.cut_at_eos(beam_ids.numpy()[row, 0])
        if beam == greedy:
            same += 1
            assert beam_scores.numpy()[row, 0] == pytest.approx(
                greedy_scores.numpy()[row], abs=1e-4
            )
        else:
            assert beam[-1] == EOS and beam[:-1] == greedy[: len(beam) - 1], (beam, greedy)
            if greedy[-1] == EOS:
                assert beam_scores.numpy()[row, 0] > greedy_scores.numpy()[row]
    assert same >= len(batch) // 2


def test_beam_scores_are_length_penalised_log_probabilities(model_and_inputs):
    model, examples = model_and_inputs
    alpha = 0.6
    batch = pad([e[0] for e in examples[:3]])
    ids, scores = decoding.decode_ids(
        model, batch, decoding.BeamSearch(3, alpha, return_beams=True, extra_length=3)
    )
    for row in range(len(batch)):
        finished, alive = [], []
        for beam in range(3):
            seq = decoding.cut_at_eos(ids.numpy()[row, beam])
            features = {"inputs": tf.constant(batch[row : row + 1]), "targets": tf.constant([seq])}
            log_probs = tf.nn.log_softmax(model(features, training=False)[0]).numpy()
            total = sum(log_probs[t, token] for t, token in enumerate(seq))
            score = scores.numpy()[row, beam]
            if seq[-1] == EOS:
                assert not alive, "finished beams come before unfinished ones"
                finished.append(score)
                expected = total / ((5.0 + len(seq)) / 6.0) ** alpha
            else:
                # As in T2T, a beam that never ended scores its plain log-probability.
                alive.append(score)
                expected = total
            assert score == pytest.approx(expected, abs=1e-3)
        assert finished == sorted(finished, reverse=True)
        assert alive == sorted(alive, reverse=True)


def test_decoding_compiles_under_xla(model_and_inputs):
    model, examples = model_and_inputs
    batch = tf.constant(pad([e[0] for e in examples[:4]]))
    for strategy in (decoding.GreedySearch(extra_length=3), decoding.BeamSearch(3, extra_length=3)):
        compiled = tf.function(
            lambda x, strategy=strategy: decoding.decode_ids(model, x, strategy), jit_compile=True
        )
        plain_ids, plain_scores = decoding.decode_ids(model, batch, strategy)
        xla_ids, xla_scores = compiled(batch)
        np.testing.assert_allclose(xla_scores.numpy(), plain_scores.numpy(), atol=1e-3)
        # XLA fuses float ops differently: only a near-tie may pick other ids.
        differ = np.any(xla_ids.numpy() != plain_ids.numpy(), axis=1)
        assert differ.sum() <= 1, (xla_ids, plain_ids)


@pytest.mark.parametrize(
    "overrides,fragment",
    [
        ("beam_sise=4", "beam_sise"),
        ("beam_size=four", "beam_size"),
        ("beam_size=0", "beam_size=0"),
        ("alpha=-1", "alpha=-1"),
        ("extra_length=-5", "extra_length=-5"),
        ("return_beams=maybe", "return_beams"),
        ("write_beam_scores=true", "write_beam_scores=True needs return_beams=True"),
    ],
)
def test_bad_decode_hparams_name_the_entry(overrides, fragment):
    with pytest.raises(ValueError, match=fragment):
        decoding.decode_hparams(overrides)


def test_decode_hparams_parse_t2t_form():
    hp = decoding.decode_hparams(
        "beam_size=4,alpha=0.6,extra_length=50,batch_size=32,return_beams=False"
    )
    assert (hp.beam_size, hp.alpha, hp.extra_length, hp.batch_size, hp.return_beams) == (
        4,
        0.6,
        50,
        32,
        False,
    )
