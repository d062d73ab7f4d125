"""Ensembles (`t2t-decoder --checkpoint_paths`): an ensemble of one decodes as its model;
two members' step scores are the NumPy mean of their log-softmax, and greedy search over
them picks what a full recompute of both models picks; the binary, and members that do
not share a problem."""

import json
import shutil

import numpy as np
import pytest

from t2t_lite import decoding, runs

from binaries import run_binary

pytestmark = pytest.mark.slow

SOURCES = [[3, 2, 3, 3, 1], [2, 2, 3, 1, 0, 0], [3, 3, 3, 2, 2, 3, 2, 1]]


def pad(rows):
    width = max(len(r) for r in rows)
    return np.array([r + [0] * (width - len(r)) for r in rows], np.int32)


def log_softmax(x):
    x = np.asarray(x, np.float64)
    top = x.max(-1, keepdims=True)
    return x - top - np.log(np.exp(x - top).sum(-1, keepdims=True))


@pytest.fixture(scope="module")
def members(reverse_run):
    data_dir, output_dir = reverse_run
    return [
        runs.open_trained_run(output_dir, data_dir, checkpoint_path=f"{output_dir}/ckpt-{step}")
        for step in (200, 400)
    ]


@pytest.mark.parametrize(
    "strategy",
    [decoding.GreedySearch(extra_length=4), decoding.BeamSearch(3, 0.6, extra_length=4)],
    ids=["greedy", "beam"],
)
def test_an_ensemble_of_one_decodes_as_its_model(members, strategy):
    model = members[1].model
    alone = decoding.IdDecoder(model, strategy)(pad([s[:-1] + [1] for s in SOURCES]))
    together = decoding.IdDecoder(decoding.Ensemble([model]), strategy)(
        pad([s[:-1] + [1] for s in SOURCES])
    )
    np.testing.assert_array_equal(together[0], alone[0])
    np.testing.assert_allclose(together[1], alone[1], atol=1e-4)


def test_two_members_step_scores_are_the_mean_of_their_log_softmax(members):
    models = [m.model for m in members]
    ensemble = decoding.Ensemble(models)
    inputs = pad(SOURCES)
    memory, cache, _ = ensemble.begin_decode(inputs, 4)
    ids = np.zeros([len(SOURCES), 1], np.int32)
    scores, _ = ensemble.decode_step(ids, 0, cache, memory)
    own = []
    for model in models:
        member_memory, member_cache, _ = model.begin_decode(inputs, 4)
        logits, _ = model.decode_step(ids, 0, member_cache, member_memory)
        own.append(log_softmax(logits))
    assert np.abs(own[0] - own[1]).max() > 1e-3  # two different models
    np.testing.assert_allclose(np.asarray(scores), np.mean(own, axis=0), atol=1e-5)


def test_greedy_ensemble_search_equals_a_full_recompute_of_both_models(members):
    models = [m.model for m in members]
    inputs = pad(SOURCES)
    ids, _ = decoding.IdDecoder(decoding.Ensemble(models), decoding.GreedySearch(extra_length=3))(
        inputs
    )
    for row, source in enumerate(inputs):
        written = []
        for _ in range(ids.shape[1]):
            targets = np.array([written + [0]], np.int64)  # the next position's logits
            mean = np.mean(
                [
                    log_softmax(m({"inputs": source[None], "targets": targets}, training=False))
                    for m in models
                ],
                axis=0,
            )
            written.append(int(mean[0, len(written)].argmax()))
            if written[-1] == 1:
                break
        assert ids[row, : len(written)].tolist() == written


def test_the_binary_decodes_with_an_ensemble_and_names_a_member_of_another_problem(
    reverse_run, tmp_path
):
    data_dir, output_dir = reverse_run
    source = tmp_path / "in.txt"
    source.write_text("0 1 1\n1 0 0 1\n", encoding="utf-8")
    target = tmp_path / "out.txt"
    result = run_binary(
        "t2t-decoder",
        f"--data_dir={data_dir}",
        f"--output_dir={output_dir}",
        f"--checkpoint_paths={output_dir}/ckpt-200,{output_dir}",
        f"--decode_from_file={source}",
        f"--decode_to_file={target}",
        "--decode_hparams=beam_size=2",
    )
    assert result.returncode == 0, result.stderr
    assert len(target.read_text(encoding="utf-8").splitlines()) == 2

    other = tmp_path / "other_run"
    shutil.copytree(output_dir, other)
    hparams = json.loads((other / "hparams.json").read_text())
    hparams["problem"] = "algorithmic_reverse_binary40"  # the same vocabulary, another problem
    (other / "hparams.json").write_text(json.dumps(hparams))
    result = run_binary(
        "t2t-decoder",
        f"--data_dir={data_dir}",
        f"--output_dir={output_dir}",
        f"--checkpoint_paths={output_dir},{other}",
        f"--decode_from_file={source}",
        f"--decode_to_file={tmp_path / 'never.txt'}",
    )
    assert result.returncode != 0
    assert f"--checkpoint_paths: {other} was trained on algorithmic_reverse_binary40" in (
        result.stderr
    )
    assert "must share their vocabularies" in result.stderr
    assert not (tmp_path / "never.txt").exists()
