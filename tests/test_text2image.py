"""Text-to-image with DALL-E's structure: text2image_digits' sequences against
scikit-learn's digits, the decoder-only model's 1/8 + 7/8 loss against a NumPy formula,
image-only sampling after start-of-image, and a run through the binaries to PNG files, a
contact sheet and a served export; and the bad captions."""

import json

import numpy as np
import pytest
import tensorflow as tf
from sklearn.datasets import load_digits
from test_exporter import OP_AUDIT_SCRIPT, run_python

from t2t_lite.layers import AttentionSpec
from t2t_lite.models import DecoderOnlyTransformer
from t2t_lite.problems import get_problem
from t2t_lite.problems.text2image import IMAGE_START_ID, CaptionImageVocabulary

from binaries import run_binary

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def test_sequences_are_caption_words_start_of_image_then_the_64_levels():
    problem = get_problem("text2image_digits")
    assert not problem.has_inputs
    vocabulary = problem.vocabulary("")["targets"]
    train = [ids for (ids,) in problem.generate_ids("train", "", "", 0)]
    assert len(train) == 3 * 1257
    digits = load_digits()
    real = {
        image.astype(int).tobytes(): int(d)
        for image, d in zip(digits.images, digits.target, strict=True)
    }
    captions = set()
    starts = [ids.index(IMAGE_START_ID) for ids in train]
    texts = vocabulary.decode_batch([ids[:start] for ids, start in zip(train, starts, strict=True)])
    for ids, start, text in zip(train, starts, texts, strict=True):
        levels = np.array(ids[start + 1 :]) - 2
        assert len(levels) == 64 and levels.min() >= 0 and levels.max() <= 16
        digit = real[levels.reshape(8, 8).tobytes()]  # a real digit image, unchanged
        captions.add(text.replace(str(digit), "{d}").replace(WORDS[digit], "{word}"))
    assert captions == {"{d}", "the digit {word}", "a handwritten {word}"}
    assert problem.pixels_from_ids(train[0]).max() <= 255


def test_caption_encoding_is_strict_in_python_and_in_the_graph():
    vocabulary = CaptionImageVocabulary()
    (ids,) = vocabulary.encode_batch(["The digit Seven"])
    assert ids[-1] == IMAGE_START_ID and len(ids) == 4
    with pytest.raises(ValueError, match="unknown caption word 'cat'"):
        vocabulary.encode_batch(["the cat"])
    served = vocabulary.tf_encode(tf.constant([" the DIGIT seven", ""])).to_list()
    assert served[0] == [ids[0], ids[1], ids[2], IMAGE_START_ID]
    assert served[1] == [IMAGE_START_ID]  # no caption: an image of any digit
    encode = tf.function(vocabulary.tf_encode)
    with pytest.raises(tf.errors.InvalidArgumentError, match="unknown caption word.*cat"):
        encode(tf.constant(["the digit seven", "the cat digit seven"]))


def tiny_model(**image):
    model = DecoderOnlyTransformer(
        vocab_size=44,
        hidden_size=16,
        filter_size=24,
        num_layers=1,
        attention=AttentionSpec(num_heads=2),
        **image,
    )
    model.build()
    return model


IMAGE = dict(image_start_id=19, image_vocab_start=2, image_vocab_size=17, image_loss_share=7 / 8)


def test_the_loss_weighs_caption_and_image_as_dalle():
    model = tiny_model(**IMAGE)
    targets = np.array([[28, 19, 5, 6, 7, 1, 0, 0], [20, 21, 30, 19, 2, 3, 1, 0]])
    labels, weights = model.loss_labels({"targets": targets})
    weights = np.asarray(weights)
    caption = np.array([[1, 1, 0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 0, 0, 0, 0]], float)
    image = np.array([[0, 0, 1, 1, 1, 1, 0, 0], [0, 0, 0, 0, 1, 1, 1, 0]], float)
    want = caption * (1 / 8) / caption.sum() + image * (7 / 8) / image.sum()
    np.testing.assert_allclose(weights, want, rtol=1e-6)
    plain = np.asarray(tiny_model().loss_labels({"targets": targets})[1])
    np.testing.assert_array_equal(plain, targets != 0)


def test_after_start_of_image_only_image_ids_are_sampled():
    from t2t_lite import decoding

    model = tiny_model(**IMAGE)
    rng = np.random.default_rng(0)
    model.set_weights(
        [rng.normal(scale=2.0, size=w.shape).astype("float32") for w in model.weights]
    )
    prompts = np.array([[28, 19, 0], [20, 21, 30]])  # the second has no start-of-image
    strategy = decoding.strategy_from_decode_hparams(
        decoding.decode_hparams(
            "beam_size=1,sampling_method=random,sampling_temp=3.0,sampling_seed=4,"
            "samples_per_input=8,extra_length=64"
        )
    )
    ids, _ = decoding.decode_ids(model, prompts, strategy)
    ids = ids.numpy()
    assert ids.shape == (2, 8, 64)
    assert ((ids[0] >= 2) & (ids[0] < 19)).all()
    assert not ((ids[1] >= 2) & (ids[1] < 19)).all()  # a plain continuation


@pytest.fixture(scope="module")
def image_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("t2i")
    data_dir, output_dir = work / "data", work / "run"
    result = run_binary(
        "t2t-trainer",
        "--problem=text2image_digits",
        "--model=transformer",
        "--hparams_set=transformer_tiny",
        "--hparams=batch_size=2048,max_length=72,learning_rate_warmup_steps=50",
        f"--data_dir={data_dir}",
        f"--output_dir={output_dir}",
        "--generate_data",
        "--train_steps=60",
        "--schedule=train",
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return data_dir, output_dir


SAMPLING = "beam_size=1,sampling_method=random,sampling_temp=0.9,sampling_seed=3"


@pytest.mark.slow
def test_the_decoder_writes_each_sample_and_a_contact_sheet(image_run, tmp_path):
    data_dir, output_dir = image_run
    hparams = json.loads((output_dir / "hparams.json").read_text())
    assert (hparams["image_start_id"], hparams["image_loss_share"]) == (19, 0.875)
    captions = tmp_path / "captions.txt"
    captions.write_text("the digit seven\n3\n")
    out = tmp_path / "samples" / "out.txt"
    out.parent.mkdir()
    common = (f"--data_dir={data_dir}", f"--output_dir={output_dir}")
    result = run_binary(
        "t2t-decoder",
        *common,
        f"--decode_from_file={captions}",
        f"--decode_to_file={out}",
        f"--decode_hparams={SAMPLING},samples_per_input=3",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert out.read_text().splitlines() == [
        "\t".join(f"out.txt.{line}.{sample}.png" for sample in (1, 2, 3)) for line in (1, 2)
    ]
    for line in (1, 2):
        for sample in (1, 2, 3):
            image = tf.io.decode_png((out.parent / f"out.txt.{line}.{sample}.png").read_bytes())
            assert image.shape == (8, 8, 1)
            levels = image.numpy().astype(float) * 16 / 255
            np.testing.assert_allclose(levels, np.round(levels), atol=0.04)  # 17 grey levels
    sheet = tf.io.decode_png((out.parent / "out.txt.png").read_bytes())
    assert sheet.shape == (2 * 33 + 1, 3 * 33 + 1, 1)

    for caption, message in [
        ("the digit cat", f"{captions}:1: unknown caption word 'cat'"),
        ("a handwritten seven", f"{captions}:1: the caption takes 4 ids; with the image's 64"),
    ]:
        captions.write_text(caption + "\n")
        result = run_binary(
            "t2t-decoder",
            *common,
            "--hparams=max_length=66",
            f"--decode_from_file={captions}",
            f"--decode_to_file={tmp_path / 'bad.txt'}",
            f"--decode_hparams={SAMPLING}",
        )
        assert result.returncode != 0 and message in result.stderr, result.stderr[-1000:]
        assert not (tmp_path / "bad.txt").exists()


SERVE = r"""
import json, sys
import tensorflow as tf
serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
out = serve(inputs=tf.constant(["the digit seven", "2", "the digit seven"]))["outputs"]
images = [tf.io.decode_png(png).numpy() for png in out.numpy()]
try:
    serve(inputs=tf.constant(["the digit cat"]))
    refused = ""
except tf.errors.InvalidArgumentError as error:
    refused = error.message
try:
    serve(inputs=tf.constant(["the digit seven " * 3]))
    too_long = ""
except tf.errors.InvalidArgumentError as error:
    too_long = error.message
again = serve(inputs=tf.constant(["the digit seven"]))["outputs"].numpy()
print(json.dumps({"shapes": [list(i.shape) for i in images], "refused": refused,
                  "too_long": too_long,
                  "served_again": len(again),
                  "same": bool((images[0] == images[2]).all()),
                  "levels": sorted(set(images[0].flatten().tolist()))}))
"""


@pytest.mark.slow
def test_the_export_serves_png_images_for_captions(image_run, tmp_path):
    data_dir, output_dir = image_run
    result = run_binary(
        "t2t-exporter",
        f"--data_dir={data_dir}",
        f"--output_dir={output_dir}",
        f"--export_dir={tmp_path / 'export'}",
        f"--decode_hparams={SAMPLING}",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    served = run_python(SERVE, str(tmp_path / "export" / "1"))
    assert served.returncode == 0, served.stderr[-2000:]
    answer = json.loads(served.stdout.strip().splitlines()[-1])
    assert answer["shapes"] == [[8, 8, 1]] * 3
    assert answer["same"]  # a fixed seed: identical requests, identical images
    assert "unknown caption word" in answer["refused"] and "cat" in answer["refused"]
    assert "a caption too long for the model" in answer["too_long"]
    assert answer["served_again"] == 1
    allowed = {round(level * 255 / 16) for level in range(17)}
    assert set(answer["levels"]) <= allowed
    audit = run_python(OP_AUDIT_SCRIPT, str(tmp_path / "export" / "1"))
    assert audit.returncode == 0, audit.stderr
    ops = json.loads(audit.stdout.strip().splitlines()[-1])
    assert sorted(set(ops["ops"]) - set(ops["core"]) - set(ops["text"])) == []
    assert "EncodePng" in ops["ops"]


def test_written_images_replace_an_earlier_larger_batch_whole(tmp_path):
    from t2t_lite.decoding import write_images

    base = str(tmp_path / "captions.images")
    rng = np.random.default_rng(0)
    first = [[rng.integers(0, 256, (8, 8), dtype=np.uint8) for _ in range(3)] for _ in range(2)]
    assert write_images(first, base) == 6
    (tmp_path / "captions.images.notes.png").write_bytes(b"mine")  # not a sample: kept
    second = [[rng.integers(0, 256, (8, 8), dtype=np.uint8) for _ in range(2)]]
    assert write_images(second, base) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "captions.images",
        "captions.images.1.1.png",
        "captions.images.1.2.png",
        "captions.images.notes.png",
        "captions.images.png",
    ]
    assert (tmp_path / "captions.images").read_text() == (
        "captions.images.1.1.png\tcaptions.images.1.2.png\n"
    )
    again = tf.io.decode_png((tmp_path / "captions.images.1.2.png").read_bytes()).numpy()
    np.testing.assert_array_equal(again[..., 0], second[0][1])
