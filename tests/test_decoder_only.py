"""The decoder-only Transformer (T2T's `transformer` without inputs): no encoder-decoder
attention; prompts prefilled in one pass and decoded with the cache, against the full
forward pass and against each prompt decoded alone."""

import numpy as np
import pytest
import tensorflow as tf

from t2t_lite import decoding
from t2t_lite.hparams import get_hparams
from t2t_lite.models import DecoderOnlyTransformer, Transformer, get_model_class
from t2t_lite.runs import model_from_hparams, with_problem_hparams

VOCAB = 13


def language_model(pos="timing", relative=False, seed=0):
    overrides = "hidden_size=32,filter_size=48,num_heads=4,num_hidden_layers=2"
    overrides += ",layer_prepostprocess_dropout=0.0,attention_dropout=0.0,relu_dropout=0.0"
    overrides += f",pos={pos}"
    if relative:
        overrides += ",self_attention_type=dot_product_relative,max_relative_position=3"
    hparams = with_problem_hparams(
        get_hparams("transformer_tiny", overrides),
        "lm",
        0,
        VOCAB,
        "transformer_tiny",
        has_inputs=False,
    )
    model = model_from_hparams(hparams)
    rng = np.random.default_rng(seed)
    model.set_weights(
        [rng.normal(scale=0.4, size=w.shape).astype("float32") for w in model.weights]
    )
    return model


@pytest.fixture(scope="module", params=["timing", "relative"])
def lm(request):
    return language_model(relative=request.param == "relative")


def full_log_probs(model, prompt, continuation):
    """Log-probabilities of each continuation id after `prompt`, by one teacher-forced
    forward pass over prompt + continuation (no cache, no search code)."""
    ids = np.array([list(prompt) + list(continuation)], np.int32)
    logits = model({"targets": ids}).numpy()[0].astype(np.float64)
    top = logits.max(-1, keepdims=True)
    log_probs = logits - top - np.log(np.exp(logits - top).sum(-1, keepdims=True))
    return [log_probs[len(prompt) + t, token] for t, token in enumerate(continuation)]


def naive_greedy(model, prompt, steps):
    """Greedy continuation by rerunning the whole model on every prefix."""
    ids = list(prompt)
    out = []
    for _ in range(steps):
        fed = np.array([ids + [0]], np.int32)  # the prediction for position len(ids)
        next_id = int(np.argmax(model({"targets": fed}).numpy()[0, len(ids)]))
        out.append(next_id)
        if next_id == 1:
            break
        ids.append(next_id)
    return out


def test_transformer_without_inputs_is_the_decoder_alone():
    model = language_model()
    assert isinstance(model, DecoderOnlyTransformer)
    assert get_model_class("transformer") is Transformer
    names = [w.path for w in model.weights]
    assert not any("memory_attention" in name for name in names)
    assert not any("encoder" in name for name in names)
    spec = Transformer.feature_spec(
        with_problem_hparams(get_hparams("transformer_tiny"), "lm", 0, 9, has_inputs=False)
    )
    assert list(spec) == ["targets"]


def test_causal_logits_do_not_see_the_future(lm):
    ids = np.array([[5, 6, 7, 8, 9]], np.int32)
    changed = ids.copy()
    changed[0, 3:] = [2, 3]
    # Position t predicts ids[t] from ids[:t]: positions 0..3 see ids[:3] only.
    np.testing.assert_allclose(
        lm({"targets": ids}).numpy()[0, :4], lm({"targets": changed}).numpy()[0, :4], atol=1e-5
    )


def test_prefill_and_cached_steps_equal_the_full_forward_pass(lm):
    # Prompts of different lengths in one batch (left-aligned inside the model), an
    # empty one included, then teacher-forced steps through the cache.
    prompts = [[5, 6, 7, 8], [9], [], [4, 4, 3]]
    continuation = [[3, 7, 2], [11, 5, 6], [8, 2, 9], [10, 12, 4]]
    width = max(len(p) for p in prompts)
    source = np.zeros([len(prompts), width], np.int32)
    for row, prompt in enumerate(prompts):
        source[row, : len(prompt)] = prompt
    memory, cache, _ = lm.begin_decode(tf.constant(source), extra_length=4)
    fed = np.zeros([len(prompts), 1], np.int32)  # position 0: the search feeds pad
    for step in range(3):
        logits, cache = lm.decode_step(tf.constant(fed), step, cache, memory)
        for row, prompt in enumerate(prompts):
            ids = np.array([prompt + continuation[row][:step] + [0]], np.int32)
            want = lm({"targets": ids}).numpy()[0, len(prompt) + step]
            np.testing.assert_allclose(logits.numpy()[row], want, atol=2e-4)
        fed = np.array([[c[step]] for c in continuation], np.int32)


def test_greedy_equals_full_recompute_and_batched_prompts_equal_each_alone(lm):
    strategy = decoding.GreedySearch(extra_length=6)
    prompts = [[5, 6, 7, 8, 2], [9], [], [4, 4]]
    decoder = decoding.IdDecoder(lm, strategy)
    batched = decoding.decode_sequences(decoder, prompts, batch_size=4, decode_empty=True)
    for prompt, (ids, score) in zip(prompts, batched, strict=True):
        alone, alone_score = decoding.decode_sequences(decoder, [prompt], 1, decode_empty=True)[0]
        assert ids == alone
        assert score == pytest.approx(alone_score, abs=1e-4)
        assert ids == naive_greedy(lm, prompt, 6)
        assert score == pytest.approx(sum(full_log_probs(lm, prompt, ids)), abs=1e-3)


def test_beam_search_scores_its_top_beam_by_the_full_recompute(lm):
    strategy = decoding.BeamSearch(beam_size=3, alpha=0.0, extra_length=5)
    ((ids, score),) = decoding.decode_sequences(
        decoding.IdDecoder(lm, strategy), [[5, 6, 7]], batch_size=1
    )
    assert score == pytest.approx(sum(full_log_probs(lm, [5, 6, 7], ids)), abs=1e-3)
    greedy = naive_greedy(lm, [5, 6, 7], 5)
    assert score >= sum(full_log_probs(lm, [5, 6, 7], greedy)) - 1e-3
