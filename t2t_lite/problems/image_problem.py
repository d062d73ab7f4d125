"""Base of the image classification problems: examples are an encoded PNG (`inputs`,
kind "image") and a class id (`targets`, kind "label"); the class names are the targets'
vocabulary, `vocab.<problem>.labels` in the data_dir. Batches hold a fixed number of
images, decoded and resized to the model's `image_size` and `num_channels` in the
pipeline, as the served graph does (`image_io`)."""

import abc
from collections.abc import Iterator

import tensorflow as tf

from t2t_lite.errors import HParamsError
from t2t_lite.problems import image_io
from t2t_lite.problems.class_labels import ClassLabels, labels_path
from t2t_lite.problems.input_pipeline import read_records
from t2t_lite.problems.problem import DEV, TEST, TRAIN, Problem
from t2t_lite.problems.tfrecord_io import parse_example
from t2t_lite.utils import file_system as fs

# Training batches are shuffled through this many images.
_SHUFFLE_IMAGES = 4096


AUGMENTATIONS = ("none", "crop", "flip_crop")


def augment(image: tf.Tensor, augmentation: str, seed: int | None) -> tf.Tensor:
    """`augmentation` "crop": a random crop of the image padded by 1/8 of its side on
    each edge (with zeros: a random shift); "flip_crop": a random horizontal flip first,
    as CIFAR training usually does; "none": the image."""
    if augmentation == "none":
        return image
    if augmentation == "flip_crop":
        image = tf.image.random_flip_left_right(image, seed=seed)
    pad = max(1, image.shape[0] // 8)
    padded = tf.pad(image, [[pad, pad], [pad, pad], [0, 0]])
    return tf.image.random_crop(padded, tf.shape(image), seed=seed)


class ImageClassificationProblem(Problem):
    """Subclasses implement `class_names(tmp_dir)` and `image_examples(split, tmp_dir)`,
    which yields `(png_bytes, class_id)` pairs (`image_io.encode_png` /
    `read_image_file` make the PNGs)."""

    num_shards = {TRAIN: 10, DEV: 1, TEST: 1}

    @property
    def feature_kinds(self) -> dict[str, str]:
        return {"inputs": "image", "targets": "label"}

    def labels_path(self, data_dir: str) -> str:
        return labels_path(data_dir, self.dataset_name)

    def vocabulary_files(self, data_dir: str) -> list[str]:
        return [self.labels_path(data_dir)]

    def vocabulary(self, data_dir: str) -> dict:
        return {"targets": ClassLabels.load(self.labels_path(data_dir))}

    @abc.abstractmethod
    def class_names(self, tmp_dir: str) -> list[str]:
        """The classes, in id order."""

    @abc.abstractmethod
    def image_examples(self, split: str, tmp_dir: str) -> Iterator[tuple[bytes, int]]:
        """`(png_bytes, class_id)` of each image of `split`."""

    def prepare_vocabulary(
        self, data_dir: str, tmp_dir: str, seed: int, overwrite: bool = False
    ) -> list[str]:
        # The class names come from the data itself, so they are always rewritten with it.
        path = self.labels_path(data_dir)
        labels = ClassLabels(self.class_names(tmp_dir), path)
        staged = fs.temporary_path(path)
        with fs.GFile(staged, "wb") as f:
            f.write(labels.to_bytes())
        return [staged]

    def generate_ids(self, split: str, data_dir: str, tmp_dir: str, seed: int) -> Iterator:
        return self.image_examples(split, tmp_dir)

    def example_features(self, example: tuple) -> dict:
        image, label = example
        return {"inputs": image, "targets": [int(label)]}

    def check_hparams(self, hparams) -> None:
        missing = [
            n for n in ("image_size", "num_channels", "image_augmentation") if n not in hparams
        ]
        if missing:
            raise HParamsError(
                f"{self.name} batches images: the hparams set has no {', '.join(missing)} "
                "(use a vit_* set)"
            )
        if hparams.image_augmentation not in AUGMENTATIONS:
            raise HParamsError(
                f"hparams.image_augmentation={hparams.image_augmentation!r}: use "
                + ", ".join(AUGMENTATIONS)
            )
        if hparams.num_channels not in image_io.CHANNELS:
            raise HParamsError(f"hparams.num_channels={hparams.num_channels}: use 1 or 3")
        if hparams.image_size <= 0:
            raise HParamsError(f"hparams.image_size={hparams.image_size} must be > 0")

    def dataset(
        self,
        mode: str,
        data_dir: str,
        hparams,
        split: str | None = None,
        seed: int | None = None,
        input_context: tf.distribute.InputContext | None = None,
        shuffle_buffer: int = _SHUFFLE_IMAGES,
        static_shapes: bool = False,
        skip_corrupt_records: bool = False,
    ) -> tf.data.Dataset:
        """Batches `{"inputs": float32 [b, image_size, image_size, num_channels] in [0, 1],
        "targets": int64 [b]}` of `hparams.batch_size` images (training: shuffled,
        repeated, full batches only, augmented as `image_augmentation` says (`augment`);
        eval: in order, once, the last batch partial)."""
        if mode not in ("train", "eval"):
            raise ValueError(f"mode must be 'train' or 'eval', got {mode!r}")
        training = mode == "train"
        split = split or (TRAIN if training else DEV)
        files = self.require_split(data_dir, split, "training" if training else "evaluation")
        dataset = read_records(files, training, seed, input_context, skip_corrupt_records)
        size, channels = hparams.image_size, hparams.num_channels
        self.check_hparams(hparams)
        augmentation = hparams.image_augmentation if training else "none"

        def prepare(record):
            example = parse_example(record, self.features, self.feature_kinds)
            image = image_io.tf_model_image(example["inputs"], size, channels)
            image = augment(image, augmentation, seed)
            return {"inputs": image, "targets": tf.reshape(example["targets"], [])}

        if training:
            dataset = dataset.shuffle(shuffle_buffer, seed=seed).repeat()
        dataset = dataset.map(prepare, num_parallel_calls=tf.data.AUTOTUNE)
        dataset = dataset.batch(hparams.batch_size, drop_remainder=training)
        return dataset.prefetch(tf.data.AUTOTUNE)
