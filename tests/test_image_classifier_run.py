"""The Vision Transformer through the binaries, as a user runs them: t2t-trainer
--model=vision_transformer on image_digits (accuracy and top-5 in eval), t2t-decoder
classifying the dev split and image files, t2t-exporter, and a TF-only process serving
encoded images of any size and channel count; and the bad inputs."""

import json
import pathlib
import re

import numpy as np
import pytest
import tensorflow as tf
from test_exporter import OP_AUDIT_SCRIPT, run_python

from binaries import run_binary

pytestmark = pytest.mark.slow

# Enough steps for most dev digits to come out right, not for the configs/ figure.
# vit_tiny's layers at half its depth: about 0.85 of dev right after 400 steps.
STEPS = 400
HPARAMS = (
    "image_size=8,patch_size=2,num_channels=1,batch_size=64,learning_rate_warmup_steps=50,"
    "num_hidden_layers=2"
)


@pytest.fixture(scope="module")
def vit_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("vit")
    data_dir, output_dir = work / "data", work / "run"
    result = run_binary(
        "t2t-trainer",
        "--problem=image_digits",
        "--model=vision_transformer",
        "--hparams_set=vit_tiny",
        f"--hparams={HPARAMS},learning_rate_decay_steps={STEPS}",
        f"--data_dir={data_dir}",
        f"--output_dir={output_dir}",
        "--generate_data",
        f"--train_steps={STEPS}",
        f"--local_eval_frequency={STEPS}",
        "--eval_steps=0",
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return data_dir, output_dir, result.stdout


def dev_images(data_dir):
    """The dev PNGs and labels, read with protobuf and decoded by TensorFlow alone."""
    images, labels = [], []
    for path in sorted(pathlib.Path(data_dir).glob("image_digits-dev-*")):
        for record in tf.data.TFRecordDataset(str(path)):
            features = tf.train.Example.FromString(record.numpy()).features.feature
            images.append(features["inputs"].bytes_list.value[0])
            labels.append(features["targets"].int64_list.value[0])
    return images, labels


@pytest.fixture(scope="module")
def direct_predictions(vit_run):
    """Each dev image's class from the Keras model itself, on pixels / 255."""
    import keras

    from t2t_lite import runs

    data_dir, output_dir, _ = vit_run
    hparams = runs.load_run_hparams(str(output_dir))
    model = runs.load_trained_model(hparams, runs.find_checkpoint(str(output_dir)))
    images, labels = dev_images(data_dir)
    pixels = np.stack([tf.io.decode_png(image).numpy() for image in images]) / 255.0
    logits = keras.ops.convert_to_numpy(model({"inputs": pixels.astype(np.float32)}))
    return images, labels, logits.argmax(-1), logits


def test_eval_reports_accuracy_and_top5_and_the_run_names_its_model(vit_run, direct_predictions):
    data_dir, output_dir, stdout = vit_run
    hparams = json.loads((output_dir / "hparams.json").read_text())
    assert hparams["model"] == "vision_transformer" and hparams["problem"] == "image_digits"
    assert hparams["target_vocab_size"] == 10 and hparams["input_vocab_size"] == 0
    (line,) = [line for line in stdout.splitlines() if line.startswith(f"eval at step {STEPS}")]
    accuracy = float(re.search(r" accuracy ([0-9.]+)", line).group(1))
    top5 = float(re.search(r"accuracy_top5 ([0-9.]+)", line).group(1))
    _, labels, predicted, _ = direct_predictions
    assert accuracy == pytest.approx(np.mean(predicted == np.array(labels)), abs=1e-4)
    assert accuracy > 0.8 and top5 >= accuracy
    assert "180 sequences" in line


def test_decoder_classifies_the_dev_split_and_image_files(vit_run, direct_predictions, tmp_path):
    data_dir, output_dir, _ = vit_run
    images, labels, predicted, _ = direct_predictions
    out = tmp_path / "dev.classes"
    result = run_binary(
        "t2t-decoder",
        f"--data_dir={data_dir}",
        f"--output_dir={output_dir}",
        f"--decode_to_file={out}",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    exact = int(np.sum(predicted == np.array(labels)))
    assert f"Decoded 180 dev examples to {out}: {exact} exact" in result.stdout
    assert out.read_text().split() == [str(p) for p in predicted]
    assert (tmp_path / "dev.classes.targets").read_text().split() == [str(d) for d in labels]

    paths = []
    for i in range(3):
        paths.append(tmp_path / f"{i}.png")
        paths[-1].write_bytes(images[i])
    listing = tmp_path / "images.txt"
    listing.write_text("".join(f"{p}\n" for p in paths))
    result = run_binary(
        "t2t-decoder",
        f"--data_dir={data_dir}",
        f"--output_dir={output_dir}",
        f"--decode_from_file={listing}",
        f"--decode_to_file={tmp_path / 'classes.txt'}",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = (tmp_path / "classes.txt").read_text().splitlines()
    assert [line.split("\t")[0] for line in lines] == [str(p) for p in predicted[:3]]
    assert all(0.0 < float(line.split("\t")[1]) <= 1.0 for line in lines)

    listing.write_text(f"{paths[0]}\n{tmp_path / 'missing.png'}\n")
    result = run_binary(
        "t2t-decoder",
        f"--data_dir={data_dir}",
        f"--output_dir={output_dir}",
        f"--decode_from_file={listing}",
        f"--decode_to_file={tmp_path / 'bad.txt'}",
    )
    assert result.returncode != 0
    assert f"{listing}:2: no image file {tmp_path / 'missing.png'}" in result.stderr
    assert not (tmp_path / "bad.txt").exists()


SERVE_SCRIPT = r"""
import json, sys
import tensorflow as tf
serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
images = [open(path, "rb").read() for path in sys.argv[2:]]
out = serve(inputs=tf.constant(images))
try:
    serve(inputs=tf.constant([images[0], b"these bytes are no image"]))
    refused = None
except tf.errors.InvalidArgumentError as error:
    refused = str(error)
again = serve(inputs=tf.constant(images[:1]))
print(json.dumps({
    "outputs": [o.decode() for o in out["outputs"].numpy()],
    "scores": out["scores"].numpy().tolist(),
    "refused": refused,
    "again": again["outputs"].numpy()[0].decode(),
    "modules": sorted(m for m in sys.modules if m.startswith("t2t_lite")),
}))
"""


def test_export_serves_encoded_images_of_any_size_and_channels(
    vit_run, direct_predictions, tmp_path
):
    data_dir, output_dir, _ = vit_run
    images, _, predicted, logits = direct_predictions
    export_dir = tmp_path / "export"
    result = run_binary(
        "t2t-exporter",
        f"--data_dir={data_dir}",
        f"--output_dir={output_dir}",
        f"--export_dir={export_dir}",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (export_dir / "1" / "assets" / "vocab.image_digits.labels").exists()
    paths = []
    for i in range(4):
        paths.append(tmp_path / f"{i}.png")
        paths[-1].write_bytes(images[i])
    # The dev image the model is surest of, 4x larger, RGB, as a JPEG: resized and made
    # grey in the graph, so it keeps its class (a JPEG's small losses cannot move it).
    margins = np.sort(logits, axis=1)
    surest = int(np.argmax(margins[:, -1] - margins[:, -2]))
    grey = tf.io.decode_png(images[surest]).numpy()
    big = np.repeat(np.repeat(np.repeat(grey, 4, 0), 4, 1), 3, 2)
    paths.append(tmp_path / "big.jpg")
    paths[-1].write_bytes(tf.io.encode_jpeg(tf.constant(big), quality=100).numpy())
    served = run_python(SERVE_SCRIPT, str(export_dir / "1"), *map(str, paths))
    assert served.returncode == 0, served.stderr[-2000:]
    answer = json.loads(served.stdout.strip().splitlines()[-1])
    assert answer["modules"] == []  # TensorFlow alone serves it
    assert answer["outputs"][:4] == [str(p) for p in predicted[:4]]
    assert answer["outputs"][4] == str(predicted[surest])
    scores = np.array(answer["scores"])
    assert scores.shape == (5, 10)
    np.testing.assert_allclose(scores.sum(axis=1), 1.0, atol=1e-5)
    assert [int(s.argmax()) for s in scores[:4]] == list(predicted[:4])
    assert "Unknown image file format" in answer["refused"]
    assert answer["again"] == answer["outputs"][0]  # the server goes on

    query = run_binary(
        "t2t-query-export",
        f"--export_dir={export_dir}",
        f"--inputs={paths[0]}",
        f"--expected={predicted[0]}",
    )
    assert query.returncode == 0, query.stdout + query.stderr
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"no image")
    query = run_binary("t2t-query-export", f"--export_dir={export_dir}", f"--inputs={bad}")
    assert query.returncode == 1
    assert "refused the request: Unknown image file format" in query.stderr
    audit = run_python(OP_AUDIT_SCRIPT, str(export_dir / "1"))
    assert audit.returncode == 0, audit.stderr
    ops = json.loads(audit.stdout.strip().splitlines()[-1])
    assert sorted(set(ops["ops"]) - set(ops["core"]) - set(ops["text"])) == []
    assert "DecodeImage" in ops["ops"]


@pytest.mark.parametrize(
    "flags,message",
    [
        (
            ["--hparams_set=vit_tiny", f"--hparams={HPARAMS},image_augmentation=rotate"],
            "hparams.image_augmentation='rotate': use none, crop, flip_crop",
        ),
        (["--hparams_set=transformer_tiny"], "the hparams set has no image_size, num_channels"),
        (["--hparams_set=vit_tiny", "--hparams=patch_size=5"], "image_size=32 is not a multiple"),
    ],
    ids=["augmentation", "not_a_vit_set", "patch_size"],
)
def test_bad_image_hparams_are_named_before_anything_is_written(vit_run, tmp_path, flags, message):
    data_dir, _, _ = vit_run
    result = run_binary(
        "t2t-trainer",
        "--problem=image_digits",
        "--model=vision_transformer",
        *flags,
        f"--data_dir={data_dir}",
        f"--output_dir={tmp_path / 'run'}",
        "--train_steps=1",
    )
    assert result.returncode != 0
    assert message in result.stderr, result.stderr[-2000:]
    assert not (tmp_path / "run").exists() or not list((tmp_path / "run").iterdir())
