"""Text classification with the encoder alone (T2T's `transformer_encoder` on a
text-to-class problem): mean pooling that ignores padding, `text_classification_files`
with its bad lines named, and a run through the binaries to a served export."""

import json
import math

import numpy as np
import pytest
from test_exporter import OP_AUDIT_SCRIPT, run_python

from t2t_lite.errors import DataError
from t2t_lite.hparams import get_hparams
from t2t_lite.layers import AttentionSpec
from t2t_lite.models import TextClassifier
from t2t_lite.problems import get_problem
from t2t_lite.training.metrics import metric_sums

from binaries import run_binary

rng = np.random.default_rng(0)


def small_classifier(vocab_size=13, max_length=10, num_classes=3, num_layers=2, **kwargs):
    model = TextClassifier(
        vocab_size=vocab_size,
        max_length=max_length,
        num_classes=num_classes,
        hidden_size=16,
        filter_size=24,
        num_layers=num_layers,
        attention=AttentionSpec(num_heads=2),
        **kwargs,
    )
    model.build()
    for weight in model.weights:
        weight.assign(rng.normal(scale=0.3, size=weight.shape).astype(np.float32))
    return model


@pytest.mark.parametrize("pooling", ["mean", "class_token"])
def test_padding_changes_nothing(pooling):
    model = small_classifier(pooling=pooling)
    ids = np.array([[5, 6, 7, 1], [8, 1, 0, 0]], np.int32)
    padded = np.pad(ids, [[0, 0], [0, 3]])
    np.testing.assert_allclose(model(padded).numpy(), model(ids).numpy(), atol=1e-5)
    alone = model(ids[1:, :2]).numpy()
    np.testing.assert_allclose(model(ids).numpy()[1:], alone, atol=1e-5)


def test_mean_pooling_averages_the_real_positions_only():
    model = small_classifier()
    ids = np.array([[5, 6, 1, 0, 0]], np.int32)
    x = model.embedding(ids).numpy()
    x = model.position_signal(x).numpy()
    bias = np.where(ids == 0, -1e9, 0.0).astype(np.float32)[:, None, None, :]
    encoded = model.encoder(x, bias=bias).numpy()
    pooled = encoded[:, :3].mean(axis=1)
    want = pooled @ model.head.kernel.numpy() + model.head.bias.numpy()
    np.testing.assert_allclose(model({"inputs": ids}).numpy(), want, rtol=1e-4, atol=1e-4)


def test_without_a_position_signal_word_order_does_not_matter():
    # pos=none (relative attention's sets): plain attention then mean pooling see a bag.
    model = small_classifier(position="none")
    ids = np.array([[5, 6, 7, 1, 0]], np.int32)
    shuffled = ids[:, [2, 0, 3, 1, 4]]
    np.testing.assert_allclose(model(shuffled).numpy(), model(ids).numpy(), atol=1e-5)
    ordered = small_classifier()
    assert not np.allclose(ordered(shuffled).numpy(), ordered(ids).numpy(), atol=1e-3)


def test_relative_attention_sets_build_a_text_classifier():
    hparams = get_hparams("transformer_relative_tiny")
    hparams.add("input_vocab_size", 40)
    hparams.add("target_vocab_size", 3)
    model = TextClassifier.from_run_hparams(hparams)
    assert model.position == "none" and model.attention.max_relative_position == 20
    ids = np.array([[5, 6, 7, 1], [8, 1, 0, 0]], np.int32)
    logits = model({"inputs": ids}).numpy()
    assert logits.shape == (2, 3)
    np.testing.assert_allclose(model({"inputs": ids[1:, :2]}).numpy(), logits[1:], atol=1e-5)


TRAIN_LINES = [
    f"{label}\t{text}"
    for label, words in (("pos", ("good", "great", "fine")), ("neg", ("bad", "awful", "poor")))
    for text in (f"the {a} film was {b}" for a in words for b in words)
] * 4


def write_lines(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


def test_labeled_lines_become_ids_and_a_class(tmp_path):
    train = write_lines(tmp_path / "train.tsv", TRAIN_LINES + [""])
    dev = write_lines(tmp_path / "dev.tsv", ["neg\tthe bad film", "pos\tgreat"])
    problem = get_problem(
        "text_classification_files", corpus={"train": train, "dev": dev}, approx_vocab_size=300
    )
    assert problem.feature_kinds == {"inputs": "ids", "targets": "label"}
    data_dir = tmp_path / "data"
    assert problem.generate_data(str(data_dir), "", seed=1)
    assert (data_dir / "vocab.text_classification_files.labels").read_text() == "neg\npos\n"
    vocab = get_problem("text_classification_files").vocabulary(str(data_dir))
    examples = list(get_problem("text_classification_files").read_examples(str(data_dir)))
    texts = vocab["inputs"].decode_batch([ids[:-1] for ids, _ in examples])
    assert sorted(zip(texts, [label for _, label in examples], strict=True)) == [
        ("great", [1]),
        ("the bad film", [0]),
    ]


def test_static_shape_batches_count_each_text_once(tmp_path):
    # --xla and TPUs pad every feature of a batch to its bucket's length, the label too.
    corpus = {"train": write_lines(tmp_path / "train.tsv", TRAIN_LINES)}
    problem = get_problem("text_classification_files", corpus=corpus, approx_vocab_size=300)
    data_dir = str(tmp_path / "data")
    problem.generate_data(data_dir, "", seed=1)
    hparams = get_hparams("transformer_tiny", "batch_size=64,max_length=16")
    batch = next(iter(problem.dataset("train", data_dir, hparams, seed=1, static_shapes=True)))
    assert batch["targets"].shape[1] > 1  # padded: the case under test
    model = small_classifier(
        problem.vocabulary(data_dir)["inputs"].vocab_size, 16, num_classes=2, num_layers=1
    )
    labels, weights = model.loss_labels(batch)
    np.testing.assert_array_equal(labels.numpy(), batch["targets"].numpy()[:, 0])
    sums = metric_sums(labels, model(batch), 0.0, weights=weights)
    assert float(sums["tokens"]) == batch["targets"].shape[0]


@pytest.mark.parametrize(
    "train,dev,message",
    [
        (TRAIN_LINES + ["pos the good film"], None, r"train.tsv:73: no tab or nothing before or"),
        (TRAIN_LINES, ["pos\tgood", "meh\tfine"], r"dev.tsv:2: unknown label 'meh' \(the classes"),
        ([line for line in TRAIN_LINES if line.startswith("pos")], None, r"1 label\(s\) \(pos\)"),
        (TRAIN_LINES + ["\tno label"], None, r"train.tsv:73: no tab or nothing before or"),
    ],
    ids=["no_tab", "unknown_label", "one_label", "empty_label"],
)
def test_bad_lines_are_named_and_nothing_is_written(tmp_path, train, dev, message):
    corpus = {"train": write_lines(tmp_path / "train.tsv", train)}
    if dev:
        corpus["dev"] = write_lines(tmp_path / "dev.tsv", dev)
    problem = get_problem("text_classification_files", corpus=corpus, approx_vocab_size=300)
    with pytest.raises(DataError, match=message):
        problem.generate_data(str(tmp_path / "data"), "")
    assert not (tmp_path / "data").exists()


SERVE = r"""
import json, sys
import tensorflow as tf, tensorflow_text
serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
out = serve(inputs=tf.constant(sys.argv[2:]))
print(json.dumps({"outputs": [o.decode() for o in out["outputs"].numpy()],
                  "scores": out["scores"].numpy().tolist()}))
"""


@pytest.mark.slow
def test_a_text_classifier_trains_decodes_and_serves(tmp_path):
    data_dir, output_dir = tmp_path / "data", tmp_path / "run"
    train = write_lines(tmp_path / "train.tsv", TRAIN_LINES)
    dev = write_lines(tmp_path / "dev.tsv", ["neg\tthe awful film was poor", "pos\tgood great"])
    result = run_binary(
        "t2t-datagen",
        "--problem=text_classification_files",
        f"--data_dir={data_dir}",
        f"--train_text={train}",
        f"--dev_text={dev}",
        "--approx_vocab_size=300",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    result = run_binary(
        "t2t-trainer",
        "--problem=text_classification_files",
        "--model=transformer_encoder",
        "--hparams_set=transformer_tiny",
        "--hparams=batch_size=512,max_length=16,learning_rate_warmup_steps=50",
        f"--data_dir={data_dir}",
        f"--output_dir={output_dir}",
        "--train_steps=120",
        "--local_eval_frequency=120",
        "--eval_steps=0",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "2 sequences): loss" in result.stdout
    assert json.loads((output_dir / "hparams.json").read_text())["model"] == "transformer_encoder"
    queries = ["the great film was fine", "the poor film was bad", "awful"]
    listing = write_lines(tmp_path / "queries.txt", queries)
    out = tmp_path / "classes.txt"
    common = (f"--data_dir={data_dir}", f"--output_dir={output_dir}")
    result = run_binary(
        "t2t-decoder", *common, f"--decode_from_file={listing}", f"--decode_to_file={out}"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    decoded = [line.split("\t") for line in out.read_text().splitlines()]
    assert [label for label, _ in decoded][:2] == ["pos", "neg"]
    result = run_binary("t2t-exporter", *common, f"--export_dir={tmp_path / 'export'}")
    assert result.returncode == 0, result.stderr[-2000:]
    served = run_python(SERVE, str(tmp_path / "export" / "1"), *queries)
    assert served.returncode == 0, served.stderr[-2000:]
    answer = json.loads(served.stdout.strip().splitlines()[-1])
    assert answer["outputs"] == [label for label, _ in decoded]
    for (label, probability), scores in zip(decoded, answer["scores"], strict=True):
        assert math.isclose(max(scores), float(probability), abs_tol=1e-4)
        assert ["neg", "pos"][int(np.argmax(scores))] == label
    audit = run_python(OP_AUDIT_SCRIPT, str(tmp_path / "export" / "1"))
    assert audit.returncode == 0, audit.stderr
    ops = json.loads(audit.stdout.strip().splitlines()[-1])
    assert sorted(set(ops["ops"]) - set(ops["core"]) - set(ops["text"])) == []
