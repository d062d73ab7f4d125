"""The image problems: scikit-learn's digits in a fixed split, a user's class folders
(PNG and JPEG, any size, grey or RGB) written as PNGs with their class names, fixed-size
batches at the model's size, and every bad input named with nothing half-written."""

import glob
import os

import numpy as np
import pytest
import tensorflow as tf
from sklearn.datasets import load_digits

from t2t_lite.errors import DataError
from t2t_lite.hparams import get_hparams
from t2t_lite.problems import get_problem

from binaries import run_binary


def image_records(pattern: str) -> list[tuple[np.ndarray, int]]:
    """Each record's PNG decoded by TensorFlow, and its label, read with protobuf alone."""
    records = []
    for path in sorted(glob.glob(pattern)):
        for record in tf.data.TFRecordDataset(path):
            features = tf.train.Example.FromString(record.numpy()).features.feature
            assert set(features) == {"inputs", "targets"}
            image = tf.io.decode_png(features["inputs"].bytes_list.value[0]).numpy()
            (label,) = features["targets"].int64_list.value
            records.append((image, label))
    return records


@pytest.fixture(scope="module")
def digits_dir(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("digits")
    assert get_problem("image_digits").generate_data(str(data_dir), str(data_dir), seed=5)
    return data_dir


def test_digits_are_split_once_and_stored_as_scaled_grey_pngs(digits_dir):
    splits = {
        split: image_records(str(digits_dir / f"image_digits-{split}-*"))
        for split in ("train", "dev", "test")
    }
    assert {s: len(r) for s, r in splits.items()} == {"train": 1257, "dev": 180, "test": 360}
    digits = load_digits()
    want = sorted(
        (np.round(image * 255 / 16).astype(np.uint8).tobytes(), int(label))
        for image, label in zip(digits.images, digits.target, strict=True)
    )
    got = sorted(
        (image[:, :, 0].tobytes(), label) for records in splits.values() for image, label in records
    )
    assert all(image.shape == (8, 8, 1) for r in splits.values() for image, _ in r)
    assert got == want  # every image once, with its digit, whatever the split
    labels = (digits_dir / "vocab.image_digits.labels").read_text().split()
    assert labels == [str(d) for d in range(10)]
    # The split does not depend on the seed: another seed writes the same test images.
    other = digits_dir / "other_seed"
    get_problem("image_digits").generate_data(str(other), str(other), seed=6)
    test_again = image_records(str(other / "image_digits-test-*"))
    assert sorted(i.tobytes() for i, _ in test_again) == sorted(
        i.tobytes() for i, _ in splits["test"]
    )


def test_batches_hold_a_fixed_number_of_images_at_the_models_size(digits_dir):
    hparams = get_hparams("vit_tiny", "image_size=16,num_channels=3,batch_size=50")
    problem = get_problem("image_digits")
    train = next(iter(problem.dataset("train", str(digits_dir), hparams, seed=1)))
    assert train["inputs"].shape == (50, 16, 16, 3) and train["inputs"].dtype == tf.float32
    assert train["targets"].shape == (50,)
    images = train["inputs"].numpy()
    assert images.min() >= 0.0 and images.max() <= 1.0
    np.testing.assert_array_equal(images[..., 0], images[..., 2])  # grey made RGB
    eval_batches = list(problem.dataset("eval", str(digits_dir), hparams))
    assert [len(b["targets"]) for b in eval_batches] == [50, 50, 50, 30]
    # At the stored size the images are the stored pixels / 255.
    hparams = get_hparams("vit_tiny", "image_size=8,num_channels=1,batch_size=180")
    (batch,) = list(problem.dataset("eval", str(digits_dir), hparams))
    stored = image_records(str(digits_dir / "image_digits-dev-*"))
    np.testing.assert_allclose(batch["inputs"].numpy(), np.stack([i for i, _ in stored]) / 255.0)
    assert batch["targets"].numpy().tolist() == [label for _, label in stored]


def write_image(path, pixels):
    path.parent.mkdir(parents=True, exist_ok=True)
    encode = tf.io.encode_jpeg if str(path).endswith(".jpg") else tf.io.encode_png
    path.write_bytes(encode(tf.constant(pixels, tf.uint8)).numpy())


def make_folders(root, classes=("cat", "dog"), per_class=3):
    rng = np.random.default_rng(0)
    for name in classes:
        for i in range(per_class):
            size = 5 + i  # sizes differ
            channels = 1 if i % 2 else 3
            suffix = ".jpg" if i == 2 else ".png"
            pixels = rng.integers(0, 256, size=(size, size + 1, channels))
            write_image(root / name / f"{i}{suffix}", pixels)
    return root


def test_image_folder_binary_writes_resized_rgb_pngs_and_class_names(tmp_path):
    train = make_folders(tmp_path / "train")
    dev = make_folders(tmp_path / "dev", classes=("dog",), per_class=2)
    (train / "cat" / "notes.txt").write_text("not an image")  # skipped
    data_dir = tmp_path / "data"
    result = run_binary(
        "t2t-datagen",
        "--problem=image_folder",
        f"--data_dir={data_dir}",
        f"--train_dir={train}",
        f"--dev_dir={dev}",
        "--image_size=6",
        "--channels=3",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (data_dir / "vocab.image_folder.labels").read_text() == "cat\ndog\n"
    train_records = image_records(str(data_dir / "image_folder-train-*"))
    assert sorted(label for _, label in train_records) == [0, 0, 0, 1, 1, 1]
    assert all(image.shape == (6, 6, 3) for image, _ in train_records)
    dev_records = image_records(str(data_dir / "image_folder-dev-*"))
    assert [label for _, label in dev_records] == [1, 1]


def snapshot(directory):
    return {
        path: open(path, "rb").read()
        for path in glob.glob(str(directory / "**"), recursive=True)
        if os.path.isfile(path)
    }


@pytest.mark.parametrize(
    "damage,message",
    [
        (lambda t, d: (t / "cat" / "1.png").write_bytes(b"not a png"), r"cat/1.png: not an image"),
        (lambda t, d: (t / "bird").mkdir(), r"train/bird: a class folder with no PNG or JPEG"),
        (
            lambda t, d: make_folders(d, classes=("cow",), per_class=1),
            r"dev/cow: class 'cow' is not",
        ),
    ],
    ids=["undecodable", "empty_class", "unknown_dev_class"],
)
def test_bad_folders_are_named_and_the_old_data_is_kept(tmp_path, damage, message):
    train, dev = make_folders(tmp_path / "train"), make_folders(tmp_path / "dev")
    corpus = {"train": str(train), "dev": str(dev)}
    data_dir = tmp_path / "data"
    assert get_problem("image_folder", corpus=corpus).generate_data(str(data_dir), "")
    before = snapshot(data_dir)
    damage(train, dev)
    with pytest.raises(DataError, match=message):
        get_problem("image_folder", corpus=corpus).generate_data(str(data_dir), "", overwrite=True)
    assert snapshot(data_dir) == before
    # Into a new directory: nothing is left behind, not even the directory.
    with pytest.raises(DataError, match=message):
        get_problem("image_folder", corpus=corpus).generate_data(str(tmp_path / "new"), "")
    assert not (tmp_path / "new").exists()


def test_one_class_and_bad_channel_counts_are_refused(tmp_path):
    train = make_folders(tmp_path / "train", classes=("cat",))
    with pytest.raises(DataError, match=r"train: 1 class folder\(s\) \(cat\); a classifier needs"):
        get_problem("image_folder", corpus={"train": str(train)}).generate_data(
            str(tmp_path / "data"), ""
        )
    result = run_binary(
        "t2t-datagen",
        "--problem=image_folder",
        f"--data_dir={tmp_path / 'data'}",
        f"--train_dir={train}",
        "--channels=2",
    )
    assert result.returncode != 0
    assert "--channels=2: use 1 (grey) or 3 (RGB)" in result.stderr
    assert not (tmp_path / "data").exists()


def test_tfds_problems_without_their_files_say_what_is_missing(tmp_path):
    with pytest.raises(DataError, match=r"image_mnist: tensorflow-datasets' mnist is not prepared"):
        get_problem("image_mnist").generate_data(str(tmp_path / "data"), str(tmp_path / "raw"))
    assert not (tmp_path / "data").exists()


def numpy_shifts(image: np.ndarray, pad: int) -> dict:
    """Every zero-filled shift of `image` by up to `pad` pixels each way, by offset."""
    padded = np.pad(image, [[pad, pad], [pad, pad], [0, 0]])
    h, w = image.shape[:2]
    return {
        (dy, dx): padded[dy : dy + h, dx : dx + w]
        for dy in range(2 * pad + 1)
        for dx in range(2 * pad + 1)
    }


@pytest.mark.parametrize("augmentation", ["crop", "flip_crop"])
def test_augmentation_shifts_and_flips_as_numpy_does(augmentation):
    from t2t_lite.problems.image_problem import augment

    image = np.random.default_rng(0).uniform(0.1, 1.0, size=(16, 16, 3)).astype(np.float32)
    pad = 2  # 1/8 of 16
    candidates = {("plain", k): v for k, v in numpy_shifts(image, pad).items()}
    if augmentation == "flip_crop":
        flipped = numpy_shifts(image[:, ::-1], pad)
        candidates.update({("flipped", k): v for k, v in flipped.items()})
    seen = set()
    for _ in range(60):
        out = augment(tf.constant(image), augmentation, seed=None).numpy()
        matches = [key for key, want in candidates.items() if np.array_equal(out, want)]
        assert len(matches) == 1, "not a zero-filled shift (or a flipped one) of the image"
        seen.add(matches[0])
    assert len({offset for _, offset in seen}) > 5  # the shift is drawn, not fixed
    kinds = {kind for kind, _ in seen}
    assert kinds == ({"plain", "flipped"} if augmentation == "flip_crop" else {"plain"})
    assert np.array_equal(augment(tf.constant(image), "none", seed=None).numpy(), image)
