"""The `Problem` base class: what a dataset knows in T2T's spirit. It generates samples per
split, owns its vocabulary, writes sharded TFRecords and reads them back as batches."""

import abc
import time
from collections.abc import Iterator

import tensorflow as tf
from absl import logging

from t2t_lite.errors import DataError
from t2t_lite.ids import EOS_ID
from t2t_lite.problems import input_pipeline, tfrecord_io
from t2t_lite.problems.registry import REVERSE_SUFFIX
from t2t_lite.problems.vocabulary import Vocabulary
from t2t_lite.utils import file_system as fs

TRAIN, DEV, TEST = "train", "dev", "test"
_PROGRESS_SECONDS = 10.0


class Problem(abc.ABC):
    """Base of every problem.

    Subclasses set `num_shards` (split -> shard count) and implement `generate_ids` and
    `vocabulary`; problems with a trained vocabulary also implement `prepare_vocabulary`.
    `features` names the id features each example holds: `("inputs", "targets")` by
    default, `("targets",)` for a language model (T2T's `has_inputs=False`). A model's
    feature spec is checked against them (`feature_kinds`).

    Args:
      was_reversed: swap inputs and targets when reading (the `_rev` problems); the
        files and the vocabulary are those of the problem itself.
    """

    name: str = "problem"  # set by `register_problem`
    reversible = False
    num_shards: dict[str, int] = {TRAIN: 10, DEV: 1}
    features: tuple[str, ...] = tfrecord_io.FEATURES

    def __init__(self, was_reversed: bool = False):
        self.was_reversed = was_reversed
        if was_reversed:
            # The name a run records in hparams.json, so that the decoder and exporter
            # rebuild the reversed problem (as T2T names it).
            self.name = type(self).name + REVERSE_SUFFIX

    @property
    def has_inputs(self) -> bool:
        return "inputs" in self.features

    @property
    def feature_kinds(self) -> dict[str, str]:
        """Feature name -> kind (`t2t_lite.models.FEATURE_KINDS`): id sequences here."""
        return {name: "ids" for name in self.features}

    @property
    def dataset_name(self) -> str:
        """Prefix of the data files, shared by a problem and its `_rev`."""
        return type(self).name

    # -- generation -------------------------------------------------------------------
    def prepare_vocabulary(
        self, data_dir: str, tmp_dir: str, seed: int, overwrite: bool = False
    ) -> list[str]:
        """Writes the vocabulary files the problem needs (if any) under temporary names in
        `data_dir` and returns those names; `generate_data` renames them together with the
        shards. An existing vocabulary is kept unless `overwrite`."""
        return []

    @abc.abstractmethod
    def vocabulary(self, data_dir: str) -> dict[str, Vocabulary]:
        """One vocabulary per feature: `{"inputs": Vocabulary, "targets": Vocabulary}`."""

    @abc.abstractmethod
    def generate_ids(
        self, split: str, data_dir: str, tmp_dir: str, seed: int
    ) -> Iterator[tuple[list[int], ...]]:
        """Yields one split's examples, each a tuple of id lists in `features` order
        (`(input_ids, target_ids)`; `(target_ids,)` for a language model), without EOS."""

    def check_hparams(self, hparams) -> None:
        """An `HParamsError` naming the hparam the problem's batches cannot be made
        with (before anything is written); nothing to check by default."""
        return None

    def model_hparams(self) -> dict:
        """What the problem tells the model through the run's hparams
        (`runs.PROBLEM_MODEL_HPARAMS` names them); nothing by default."""
        return {}

    def example_features(self, example: tuple) -> dict:
        """One generated example as the features written to disk: each id list ends in
        EOS."""
        return {
            name: list(feature) + [EOS_ID]
            for name, feature in zip(self.features, example, strict=True)
        }

    def shard_paths(self, data_dir: str, split: str) -> list[str]:
        """The files datagen writes for `split`."""
        return tfrecord_io.shard_paths(data_dir, self.dataset_name, split, self.num_shards[split])

    def vocabulary_files(self, data_dir: str) -> list[str]:
        """The vocabulary files datagen writes in `data_dir` (none for built-in ones)."""
        return []

    def data_files(self, data_dir: str, split: str) -> list[str]:
        """The files of `split` on disk, `[]` if it has none (see `tfrecord_io.split_files`).
        What is on disk decides, not `num_shards`: a user's corpus may lack a split."""
        return tfrecord_io.split_files(data_dir, self.dataset_name, split)

    def require_split(self, data_dir: str, split: str, needed_for: str) -> list[str]:
        """`data_files` of `split`, or a `DataError` naming the split and what needs it."""
        files = self.data_files(data_dir, split)
        if not files:
            on_disk = tfrecord_io.splits_on_disk(data_dir, self.dataset_name)
            raise DataError(
                f"--data_dir={data_dir} has no {split} split of {self.dataset_name} (no files "
                f"{tfrecord_io.file_pattern(data_dir, self.dataset_name, split)}; splits there: "
                f"{', '.join(on_disk) or 'none'}), which {needed_for} needs"
            )
        return files

    def is_generated(self, data_dir: str, splits: list[str] | None = None) -> bool:
        """Whether the vocabulary files and every split of `splits` (default: the splits
        datagen writes, `num_shards`) are complete in `data_dir`."""
        if not all(fs.exists(path) for path in self.vocabulary_files(data_dir)):
            return False
        return all(self.data_files(data_dir, split) for split in (splits or list(self.num_shards)))

    def generate_data(
        self,
        data_dir: str,
        tmp_dir: str,
        seed: int = 0,
        max_cases: int = 0,
        overwrite: bool = False,
    ) -> bool:
        """Writes the vocabulary and every split's shards; returns False if the files were
        already complete (and `overwrite` is False).

        Shards and vocabulary are written under temporary names and renamed together at
        the end, so a killed run leaves the previous files as they were.
        `max_cases` > 0 keeps only the first cases of each split.
        """
        if not overwrite and self.is_generated(data_dir):
            logging.info(
                "%s: data already in %s; skipping (--overwrite regenerates)",
                self.dataset_name,
                data_dir,
            )
            return False
        created = not fs.exists(data_dir)
        fs.makedirs(data_dir)
        try:
            self._generate(data_dir, tmp_dir, seed, max_cases, overwrite)
        except BaseException:
            # A failed run leaves the directory as it found it: no temporaries, and no
            # empty --data_dir it created itself.
            tfrecord_io.remove_stale_temporaries(data_dir, self.dataset_name)
            if created and not fs.listdir(data_dir):
                fs.remove(data_dir)
            raise
        return True

    def _generate(
        self, data_dir: str, tmp_dir: str, seed: int, max_cases: int, overwrite: bool
    ) -> None:
        tfrecord_io.remove_stale_temporaries(data_dir, self.dataset_name)
        written = self.prepare_vocabulary(data_dir, tmp_dir, seed, overwrite)
        new_vocabulary = bool(written)
        for split in self.num_shards:
            ids = self.generate_ids(split, data_dir, tmp_dir, seed)
            examples = (
                tfrecord_io.serialize_example(self.example_features(example))
                for example in _progress(_first(ids, max_cases), f"{self.dataset_name} {split}")
            )
            paths, count = tfrecord_io.write_shards(
                examples, self.shard_paths(data_dir, split), f"{seed}-{split}"
            )
            logging.info(
                "%s %s: %d examples in %d shards", self.dataset_name, split, count, len(paths)
            )
            written += paths
        # Files of another split written with a replaced vocabulary would no longer
        # match it: a new vocabulary replaces every split on disk.
        replaced = tfrecord_io.splits_on_disk(data_dir, self.dataset_name) if new_vocabulary else []
        for split in set(self.num_shards) | set(replaced):
            for old in fs.glob(tfrecord_io.file_pattern(data_dir, self.dataset_name, split)):
                fs.remove(old)
        tfrecord_io.commit(written)

    # -- reading ----------------------------------------------------------------------
    def dataset(
        self,
        mode: str,
        data_dir: str,
        hparams,
        split: str | None = None,
        seed: int | None = None,
        input_context: tf.distribute.InputContext | None = None,
        shuffle_buffer: int = 10_000,
        static_shapes: bool = False,
        skip_corrupt_records: bool = False,
    ) -> tf.data.Dataset:
        """Batches for `mode` "train" (the train split, shuffled, repeated, long examples
        dropped) or "eval" (the dev split by default, in order, once, nothing dropped).

        `hparams` supplies batch_size (tokens), max_length, min_length_bucket,
        length_bucket_step and eval_drop_long_sequences. `static_shapes` pads batches to
        their bucket boundary (for XLA and TPU; see `make_dataset`).
        """
        if mode not in ("train", "eval"):
            raise ValueError(f"mode must be 'train' or 'eval', got {mode!r}")
        training = mode == "train"
        split = split or (TRAIN if training else DEV)
        files = self.require_split(data_dir, split, "training" if training else "evaluation")
        return input_pipeline.make_dataset(
            files,
            training=training,
            batch_size=hparams.batch_size,
            max_length=hparams.max_length,
            min_length_bucket=hparams.min_length_bucket,
            length_bucket_step=hparams.length_bucket_step,
            drop_long_sequences=True if training else hparams.eval_drop_long_sequences,
            reverse=self.was_reversed,
            shuffle_buffer=shuffle_buffer,
            seed=seed,
            input_context=input_context,
            static_shapes=static_shapes,
            skip_corrupt_records=skip_corrupt_records,
            features=self.features,
        )

    def corruption_error(self, data_dir: str, split: str) -> DataError:
        """The `DataError` for a `tf.errors.DataLossError` met while reading `split`:
        which of its files are corrupt, and where."""
        return tfrecord_io.corruption_error(self.data_files(data_dir, split))

    def read_examples(self, data_dir: str, split: str = DEV) -> Iterator[tuple[list[int], ...]]:
        """Examples of one split in file order, as the model sees them: tuples of ids in
        `features` order (`(inputs, targets)`, swapped for `_rev`), each ending in EOS."""
        for path in self.require_split(data_dir, split, f"decoding the {split} split"):
            try:
                for record in tf.data.TFRecordDataset(path):
                    example = tfrecord_io.parse_example(record, self.features, self.feature_kinds)
                    ids = tuple(_python(example[name]) for name in self.features)
                    yield ids[::-1] if self.was_reversed else ids
            except tf.errors.DataLossError:
                raise tfrecord_io.corruption_error([path]) from None

    def feature_vocabulary(self, data_dir: str) -> dict[str, Vocabulary]:
        """The vocabularies as the model sees the features (swapped for `_rev`)."""
        vocab = self.vocabulary(data_dir)
        if self.was_reversed:
            return {"inputs": vocab["targets"], "targets": vocab["inputs"]}
        return vocab


def _python(value: tf.Tensor):
    return value.numpy() if value.dtype == tf.string else value.numpy().tolist()


def _first(items, max_cases: int):
    for count, item in enumerate(items):
        if max_cases and count >= max_cases:
            return
        yield item


def _progress(items, what: str):
    """Passes `items` through, logging a count every few seconds."""
    start = last = time.monotonic()
    for count, item in enumerate(items, start=1):
        now = time.monotonic()
        if now - last > _PROGRESS_SECONDS:
            logging.info("%s: %d examples (%.0f/s)", what, count, count / (now - start))
            last = now
        yield item
