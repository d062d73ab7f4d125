"""Sampling inside greedy search, with T2T's sampling hparams: the degenerate settings
equal greedy, the draws follow softmax(logits / temperature) restricted to top-k and
top-p (a chi-square test against NumPy), seeds reproduce, and a row's samples do not
depend on the batch it shares."""

import numpy as np
import pytest
import tensorflow as tf
from test_decoder_only import language_model

from t2t_lite import decoding
from t2t_lite.errors import HParamsError
from t2t_lite.hparams import get_hparams

DRAWS = 20_000


def chi_square_critical(dof: int, z: float = 3.719) -> float:
    """Wilson-Hilferty's approximation of the chi-square quantile at normal quantile z
    (3.719: p = 1e-4, so a correct sampler fails about once in 10,000 runs)."""
    return dof * (1 - 2 / (9 * dof) + z * np.sqrt(2 / (9 * dof))) ** 3


def numpy_distribution(logits, temperature, top_k, top_p):
    """softmax(logits / temperature), restricted to the top k ids, then to the nucleus of
    mass top_p of what is left (the smallest most-likely set reaching it), renormalized."""
    z = logits.astype(np.float64) / temperature
    p = np.exp(z - z.max())
    keep = np.ones_like(p, bool)
    if top_k > 0:
        keep &= z >= np.sort(z)[-top_k]
    p = np.where(keep, p, 0.0)
    p /= p.sum()
    if top_p < 1.0:
        order = np.argsort(-p)
        mass_before = np.cumsum(p[order]) - p[order]
        nucleus = np.zeros_like(keep)
        nucleus[order[mass_before < top_p]] = True
        keep &= nucleus
    p = np.where(keep, p, 0.0)
    return p / p.sum()


@pytest.mark.parametrize(
    "temperature,top_k,top_p",
    [(1.0, -1, 1.0), (0.7, -1, 1.0), (1.3, 5, 1.0), (1.0, -1, 0.8), (0.9, 6, 0.9)],
)
def test_draws_follow_the_tempered_truncated_softmax(temperature, top_k, top_p):
    rng = np.random.default_rng(3)
    logits = rng.normal(scale=0.7, size=12).astype(np.float32)
    sampler = decoding.RandomSampler(temperature, top_k, top_p)
    keys = tf.range(DRAWS, dtype=tf.int64)
    ids = sampler.get_next_token(tf.tile(logits[None], [DRAWS, 1]), keys, 7).numpy()
    want = numpy_distribution(logits, temperature, top_k, top_p)
    counts = np.bincount(ids, minlength=len(logits))
    assert counts[want == 0].sum() == 0, "drew an id outside top-k / top-p"
    expected = want[want > 0] * DRAWS
    statistic = ((counts[want > 0] - expected) ** 2 / expected).sum()
    assert statistic < chi_square_critical(int((want > 0).sum()) - 1)


def decode_lines_with(model, prompts, overrides):
    hparams = decoding.decode_hparams("beam_size=1,extra_length=6," + overrides)
    decoder = decoding.IdDecoder(model, decoding.strategy_from_decode_hparams(hparams))
    return decoding.decode_sequences(decoder, prompts, batch_size=8, decode_empty=True)


PROMPTS = [[5, 6, 7], [9], [], [4, 4, 3, 2]]


@pytest.fixture(scope="module")
def lm():
    return language_model(seed=1)


def test_draws_through_the_search_follow_the_models_softmax(lm):
    # 20,000 samples of one prompt through GreedySearch (its row keys, the prefill, the
    # loop): the first id of each against softmax(logits / t), top 6, of the model's
    # next-id logits from one full forward pass.
    prompt, temperature, top_k = [5, 6, 7], 0.8, 6
    sampler = decoding.RandomSampler(temperature, top_k)
    strategy = decoding.GreedySearch(1, sampler, samples_per_input=DRAWS, seed=9)
    ids, _ = decoding.decode_ids(lm, np.array([prompt], np.int32), strategy)
    first = ids.numpy()[0, :, 0]
    logits = lm({"targets": np.array([prompt + [0]], np.int32)}).numpy()[0, len(prompt)]
    want = numpy_distribution(logits, temperature, top_k, 1.0)
    counts = np.bincount(first, minlength=len(logits))
    assert counts[want == 0].sum() == 0
    expected = want[want > 0] * DRAWS
    statistic = ((counts[want > 0] - expected) ** 2 / expected).sum()
    assert statistic < chi_square_critical(int((want > 0).sum()) - 1)


@pytest.mark.parametrize("setting", ["sampling_temp=0.0", "sampling_keep_top_k=1"])
def test_temperature_zero_and_top_k_one_are_greedy(lm, setting):
    greedy = decode_lines_with(lm, PROMPTS, "sampling_method=argmax")
    sampled = decode_lines_with(lm, PROMPTS, f"sampling_method=random,sampling_seed=5,{setting}")
    assert [ids for ids, _ in sampled] == [ids for ids, _ in greedy]


def test_a_seed_reproduces_and_another_seed_differs(lm):
    first = decode_lines_with(lm, PROMPTS, "sampling_method=random,sampling_seed=11")
    again = decode_lines_with(lm, PROMPTS, "sampling_method=random,sampling_seed=11")
    other = decode_lines_with(lm, PROMPTS, "sampling_method=random,sampling_seed=12")
    assert first == again
    assert [ids for ids, _ in first] != [ids for ids, _ in other]


def test_a_lines_samples_do_not_depend_on_its_batch(lm):
    settings = "sampling_method=random,sampling_seed=3,samples_per_input=3"
    together = decode_lines_with(lm, PROMPTS, settings)
    for prompt, (beams, _) in zip(PROMPTS, together, strict=True):
        ((alone, _),) = decode_lines_with(lm, [prompt], settings)
        assert beams == alone
        assert len(beams) == 3
    shuffled = decode_lines_with(lm, PROMPTS[::-1], settings)
    assert [beams for beams, _ in shuffled] == [beams for beams, _ in together][::-1]


def test_sampled_scores_are_the_models_log_probabilities(lm):
    from test_decoder_only import full_log_probs

    sampled = decode_lines_with(
        lm, PROMPTS, "sampling_method=random,sampling_seed=2,sampling_temp=1.5"
    )
    for prompt, (ids, score) in zip(PROMPTS, sampled, strict=True):
        assert score == pytest.approx(sum(full_log_probs(lm, prompt, ids)), abs=1e-3)


def test_sampling_compiles_with_xla_and_draws_the_same(lm):
    hparams = decoding.decode_hparams(
        "beam_size=1,extra_length=5,sampling_method=random,sampling_seed=4,"
        "sampling_keep_top_k=5,sampling_keep_top_p=0.9"
    )
    strategy = decoding.strategy_from_decode_hparams(hparams)
    eager = decoding.IdDecoder(lm, strategy)
    compiled = decoding.IdDecoder(lm, strategy, jit_compile=True)
    prompts = np.array([[5, 6, 7], [9, 0, 0]], np.int32)
    np.testing.assert_array_equal(compiled(prompts)[0], eager(prompts)[0])


def test_translation_samples_too():
    from test_relative_attention import randomized

    from t2t_lite.runs import model_from_hparams, with_problem_hparams

    hparams = with_problem_hparams(
        get_hparams("transformer_tiny", "hidden_size=32,filter_size=32,num_heads=2"),
        "t",
        11,
        11,
        "transformer_tiny",
    )
    model = randomized(model_from_hparams(hparams))
    sources = [[5, 6, 1], [7, 1]]
    greedy = decode_lines_with(model, sources, "sampling_method=argmax")
    cold = decode_lines_with(model, sources, "sampling_method=random,sampling_temp=0.0")
    hot = decode_lines_with(
        model, sources, "sampling_method=random,sampling_seed=1,samples_per_input=4"
    )
    assert cold == greedy
    assert len(hot[0][0]) == 4 and len({tuple(s) for s in hot[0][0]}) > 1


def test_the_runs_sampling_hparams_apply_and_decode_hparams_win():
    run = get_hparams("transformer_tiny", "sampling_method=random,sampling_temp=0.5")
    assert decoding.decode_hparams("", run).sampling_temp == 0.5
    assert decoding.decode_hparams("sampling_temp=0.9", run).sampling_temp == 0.9
    assert decoding.decode_hparams("", run).sampling_method == "random"
    assert decoding.decode_hparams("sampling_method=argmax", run).sampling_method == "argmax"
    # Several samples need sampling, which the run's hparams turn on.
    assert decoding.decode_hparams("samples_per_input=3,beam_size=1", run).samples_per_input == 3
    bad = get_hparams("transformer_tiny", "sampling_temp=-2.0")
    with pytest.raises(HParamsError, match=r"the run's hparams .* hold sampling_temp=-2\.0"):
        decoding.decode_hparams("", bad)
    assert decoding.decode_hparams("sampling_temp=1.0", bad).sampling_temp == 1.0


@pytest.mark.parametrize(
    "overrides,named",
    [
        ("sampling_temp=-0.5", "sampling_temp=-0.5"),
        ("sampling_keep_top_k=0", "sampling_keep_top_k=0"),
        ("sampling_keep_top_k=-3", "sampling_keep_top_k=-3"),
        ("sampling_keep_top_p=0.0", "sampling_keep_top_p=0.0"),
        ("sampling_keep_top_p=1.5", "sampling_keep_top_p=1.5"),
        ("sampling_method=nucleus", "sampling_method='nucleus'"),
        ("samples_per_input=0", "samples_per_input=0"),
        ("samples_per_input=2,beam_size=1", "samples_per_input=2 needs sampling_method=random"),
        ("samples_per_input=2,beam_size=3", "samples_per_input=2 needs beam_size=1"),
    ],
)
def test_bad_sampling_hparams_are_errors_naming_them(overrides, named):
    with pytest.raises(HParamsError, match=named.replace("(", r"\(").replace(".", r"\.")):
        decoding.decode_hparams(overrides)
