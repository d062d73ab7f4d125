"""The image classification problems: your own folders of images, scikit-learn's digits,
and T2T's `image_mnist` and `image_cifar10` through tensorflow-datasets."""

import os
from collections.abc import Iterator

import numpy as np
from absl import logging

from t2t_lite.errors import DataError, first_line
from t2t_lite.problems import image_io
from t2t_lite.problems.image_problem import ImageClassificationProblem
from t2t_lite.problems.problem import DEV, TEST, TRAIN
from t2t_lite.problems.registry import register_problem
from t2t_lite.utils import file_system as fs

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")

# The digits' fixed split: the same images in each split whatever --random_seed says, so
# every model and baseline is measured on the same test images.
DIGITS_SPLIT_SEED = 0
DIGITS_SPLIT_SIZES = {TEST: 360, DEV: 180}  # the rest (1,257) is train
DIGITS_LEVELS = 16  # load_digits' grey levels are 0 .. 16


def digits_split(split: str) -> tuple[np.ndarray, np.ndarray]:
    """`(levels [n, 8, 8] int in 0..16, digits [n])` of one split of scikit-learn's
    `load_digits` (1,797 images shipped inside the package)."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise DataError(
            "the digits problems read scikit-learn's load_digits: pip install scikit-learn "
            "(or t2t_lite[digits])"
        ) from None
    digits = load_digits()
    order = np.random.default_rng(DIGITS_SPLIT_SEED).permutation(len(digits.target))
    test, dev = DIGITS_SPLIT_SIZES[TEST], DIGITS_SPLIT_SIZES[DEV]
    rows = {TEST: order[:test], DEV: order[test : test + dev], TRAIN: order[test + dev :]}[split]
    return digits.images[rows].astype(np.int64), digits.target[rows].astype(np.int64)


def digit_pixels(levels: np.ndarray) -> np.ndarray:
    """Grey levels 0..16 -> uint8 pixels 0..255."""
    return np.round(levels * (255.0 / DIGITS_LEVELS)).astype(np.uint8)


@register_problem
class ImageDigits(ImageClassificationProblem):
    """scikit-learn's digits: 1,797 8x8 grey images of the digits 0-9 (Alpaydin and
    Kaynak's UCI set), split once into train 1,257, dev 180, test 360."""

    num_shards = {TRAIN: 1, DEV: 1, TEST: 1}

    def class_names(self, tmp_dir: str) -> list[str]:
        return [str(digit) for digit in range(10)]

    def image_examples(self, split: str, tmp_dir: str) -> Iterator[tuple[bytes, int]]:
        levels, digits = digits_split(split)
        for image, digit in zip(levels, digits, strict=True):
            yield image_io.encode_png(digit_pixels(image)), int(digit)


def _image_files(folder: str) -> list[str]:
    names = sorted(fs.listdir(folder))
    images = [name for name in names if name.lower().endswith(IMAGE_SUFFIXES)]
    if len(images) < len(names):
        logging.info(
            "%s: skipped %d files that are not PNG or JPEG", folder, len(names) - len(images)
        )
    return [os.path.join(folder, name) for name in images]


@register_problem
class ImageFolder(ImageClassificationProblem):
    """Your own images: `t2t-datagen --problem=image_folder --train_dir=D --dev_dir=D`
    (optional `--test_dir`), each directory holding one sub-folder per class of PNG or
    JPEG files. The class names are the train directory's sub-folders, sorted.

    Args:
      corpus: split -> directory; needed to generate data, not to read it back. `train`
        is required.
      image_size: resize every image to this square side at generation (0: keep sizes;
        the pipeline resizes to the model's).
      channels: 1 (grey) or 3 (RGB); images are converted.
    """

    def __init__(
        self,
        was_reversed: bool = False,
        corpus: dict[str, str] | None = None,
        image_size: int = 0,
        channels: int = 3,
    ):
        super().__init__(was_reversed)
        image_io.check_channels(channels, "--channels")
        if image_size < 0:
            raise DataError(f"--image_size={image_size} must be >= 0 (0 keeps each image's size)")
        self.corpus = dict(corpus or {})
        self.image_size = image_size
        self.channels = channels
        if self.corpus:
            if TRAIN not in self.corpus:
                raise DataError("image_folder needs --train_dir")
            self.num_shards = {split: (10 if split == TRAIN else 1) for split in self.corpus}

    def _folder(self, split: str) -> str:
        if split not in self.corpus:
            raise DataError(f"image_folder: no directory given for the {split} split")
        folder = self.corpus[split]
        if not fs.isdir(folder):
            raise DataError(f"--{split}_dir={folder} is not a directory")
        return folder

    def _class_folders(self, split: str) -> dict[str, list[str]]:
        folder = self._folder(split)
        classes = {}
        for name in sorted(fs.listdir(folder)):
            path = os.path.join(folder, name)
            if fs.isdir(path):
                files = _image_files(path)
                if not files:
                    raise DataError(f"{path}: a class folder with no PNG or JPEG images")
                classes[name] = files
        if split == TRAIN and len(classes) < 2:
            raise DataError(
                f"--train_dir={folder}: {len(classes)} class folder(s) "
                f"({', '.join(classes) or 'none'}); a classifier needs at least 2, one "
                "sub-folder of images per class"
            )
        return classes

    def class_names(self, tmp_dir: str) -> list[str]:
        return list(self._class_folders(TRAIN))

    def image_examples(self, split: str, tmp_dir: str) -> Iterator[tuple[bytes, int]]:
        names = self.class_names(tmp_dir)
        for name, files in self._class_folders(split).items():
            if name not in names:
                raise DataError(
                    f"{os.path.join(self._folder(split), name)}: class {name!r} is not among "
                    f"the train classes ({', '.join(names)})"
                )
            for path in files:
                yield (
                    image_io.read_image_file(path, self.channels, self.image_size),
                    names.index(name),
                )


class TFDSImageProblem(ImageClassificationProblem):
    """A tensorflow-datasets image set under T2T's problem name: TFDS's train split is
    train, its test split is dev (as T2T's problems use them). The prepared set is read
    from `tmp_dir`, or TFDS's own data directory, or downloaded into `tmp_dir`."""

    tfds_name: str = ""
    num_shards = {TRAIN: 10, DEV: 1}

    def _builder(self, tmp_dir: str):
        import tensorflow_datasets as tfds

        tried = []
        for data_dir in (tmp_dir, None):
            builder = tfds.builder(self.tfds_name, data_dir=data_dir)
            tried.append(str(builder.data_dir))
            if builder.is_prepared():
                return builder
        builder = tfds.builder(self.tfds_name, data_dir=tmp_dir)
        try:
            builder.download_and_prepare()
        except Exception as error:  # tfds raises many types: network, missing modules
            raise DataError(
                f"{self.name}: tensorflow-datasets' {self.tfds_name} is not prepared in "
                f"{' or '.join(tried)}, and downloading it failed ({first_line(error)}). On a "
                f"machine with network access run `tfds build {self.tfds_name} "
                f"--data_dir=<dir>` and pass that directory as --tmp_dir"
            ) from None
        return builder

    def class_names(self, tmp_dir: str) -> list[str]:
        return list(self._builder(tmp_dir).info.features["label"].names)

    def image_examples(self, split: str, tmp_dir: str) -> Iterator[tuple[bytes, int]]:
        tfds_split = "train" if split == TRAIN else "test"
        dataset = self._builder(tmp_dir).as_dataset(split=tfds_split)
        for example in dataset.as_numpy_iterator():
            yield image_io.encode_png(example["image"]), int(example["label"])


@register_problem
class ImageMnist(TFDSImageProblem):
    """MNIST's 28x28 grey digits (TFDS `mnist`): train 60,000, dev 10,000."""

    tfds_name = "mnist"


@register_problem
class ImageCifar10(TFDSImageProblem):
    """CIFAR-10's 32x32 RGB images of 10 classes (TFDS `cifar10`): train 50,000, dev 10,000."""

    tfds_name = "cifar10"
