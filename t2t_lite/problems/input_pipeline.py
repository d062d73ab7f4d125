"""tf.data pipeline: TFRecord shards -> padded batches of a problem's id features
(`{"inputs", "targets"}`, or `{"targets"}` for a language model) bucketed by length,
where the batch size counts tokens, as T2T's `data_reader` batches."""

from collections.abc import Sequence

import tensorflow as tf
from absl import logging

from t2t_lite.errors import DataError
from t2t_lite.problems.tfrecord_io import FEATURES, parse_example, scan_records
from t2t_lite.utils import file_system as fs


def bucket_boundaries(
    max_length: int, min_length: int = 8, length_bucket_step: float = 1.1
) -> list[int]:
    """T2T's boundaries: from `min_length`, each `max(x + 1, int(x * step))`, below `max_length`."""
    if length_bucket_step <= 1.0:
        raise ValueError(f"length_bucket_step must be > 1, got {length_bucket_step}")
    boundaries = []
    x = min_length
    while x < max_length:
        boundaries.append(x)
        x = max(x + 1, int(x * length_bucket_step))
    return boundaries


def bucket_batch_sizes(boundaries: list[int], batch_size: int, max_length: int) -> list[int]:
    """Examples per bucket: `batch_size // boundary` (at least 1), and
    `batch_size // max_length` for the last, open-ended bucket."""
    return [max(1, batch_size // length) for length in boundaries + [max_length]]


def example_length(example: dict) -> tf.Tensor:
    """The longest of an example's features, in ids."""
    lengths = [tf.shape(ids)[0] for ids in example.values()]
    return tf.cast(tf.reduce_max(tf.stack(lengths)), tf.int32)


def _read_file(path: tf.Tensor, count: tf.Tensor) -> tf.data.Dataset:
    return tf.data.TFRecordDataset(path).take(count)


def readable_records(path: str) -> int:
    """Records of `path` before its first corrupt one (all of them if none), with a
    warning that names the file and what is skipped."""
    count, problem = scan_records(path)
    if problem is not None:
        logging.warning(
            "--skip_corrupt_records: %s: %s; using its first %d records and skipping the rest",
            path,
            problem,
            count,
        )
    return count


def read_records(
    files: str | Sequence[str],
    training: bool,
    seed: int | None = None,
    input_context: tf.distribute.InputContext | None = None,
    skip_corrupt_records: bool = False,
) -> tf.data.Dataset:
    """The serialized records of `files` (shards, or a glob of them): in training the files
    are shuffled and read interleaved, otherwise in order, once; each input pipeline of
    `input_context` reads its share of the files (see `make_dataset` for the rest)."""
    what = files if isinstance(files, str) else f"the {len(files)} files given"
    files = sorted(fs.glob(files)) if isinstance(files, str) else list(files)
    if not files:
        raise DataError(f"no data files match {what}; run t2t-datagen for this problem first")
    counts = [-1] * len(files)  # take(-1): the whole file
    if skip_corrupt_records:
        counts = [readable_records(path) for path in files]
    dataset = tf.data.Dataset.from_tensor_slices((files, tf.constant(counts, tf.int64)))
    if input_context is not None and input_context.num_input_pipelines > 1:
        if len(files) < input_context.num_input_pipelines:
            raise DataError(
                f"{len(files)} files in {what}, fewer than the "
                f"{input_context.num_input_pipelines} input pipelines that read them"
            )
        dataset = dataset.shard(input_context.num_input_pipelines, input_context.input_pipeline_id)
    if training:
        dataset = dataset.shuffle(len(files), seed=seed)
        dataset = dataset.interleave(
            _read_file,
            cycle_length=min(len(files), 8),
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=False,
        )
    else:
        dataset = dataset.flat_map(_read_file)
    return dataset


def make_dataset(
    files: str | Sequence[str],
    training: bool,
    batch_size: int,
    max_length: int,
    min_length_bucket: int = 8,
    length_bucket_step: float = 1.1,
    drop_long_sequences: bool | None = None,
    reverse: bool = False,
    shuffle_buffer: int = 10_000,
    seed: int | None = None,
    input_context: tf.distribute.InputContext | None = None,
    static_shapes: bool = False,
    skip_corrupt_records: bool = False,
    features: Sequence[str] = FEATURES,
) -> tf.data.Dataset:
    """Batches of `{"inputs": [b, n], "targets": [b, m]}` int64 (each of `features`),
    padded with 0.

    Args:
      files: the TFRecord shards, or a glob of them.
      training: shuffle files and examples and repeat forever; otherwise read the files
        in order, once.
      batch_size: tokens per batch (per replica): a bucket whose lengths are below
        `boundary` holds `batch_size // boundary` examples.
      max_length: the last bucket boundary; longer examples are dropped in training.
      min_length_bucket, length_bucket_step: bucket boundaries (T2T's hparams).
      drop_long_sequences: drop examples longer than `max_length`; default: in training.
      reverse: swap inputs and targets (the `_rev` problems).
      shuffle_buffer: examples in the shuffle buffer (training).
      seed: shuffling seed.
      input_context: from `tf.distribute`; each input pipeline reads its share of files.
      skip_corrupt_records: read each file first and use only the records before its
        first corrupt one, logging what is skipped. Otherwise a corrupt record stops
        reading with `tf.errors.DataLossError` (see `tfrecord_io.corruption_error`).
      static_shapes: pad every batch to its bucket's longest length and drop partial
        batches, so XLA and TPUs compile one program per bucket rather than one per
        length; examples longer than `max_length` are then always dropped.
      features: the id features of each example (the problem's).
    """
    dataset = read_records(files, training, seed, input_context, skip_corrupt_records)
    features = tuple(features)
    dataset = dataset.map(
        lambda record: parse_example(record, features),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=not training,
    )
    if reverse:
        dataset = dataset.map(lambda ex: {"inputs": ex["targets"], "targets": ex["inputs"]})
    if drop_long_sequences is None:
        drop_long_sequences = training
    drop_long_sequences = drop_long_sequences or static_shapes
    if drop_long_sequences:
        dataset = dataset.filter(lambda ex: example_length(ex) <= max_length)
    if training:
        dataset = dataset.shuffle(shuffle_buffer, seed=seed).repeat()
    boundaries = bucket_boundaries(max_length, min_length_bucket, length_bucket_step)
    batch_sizes = bucket_batch_sizes(boundaries, batch_size, max_length)
    if static_shapes:
        # Bucket [b_i, b_i+1) pads to b_i+1 - 1; the last real bucket ends at max_length,
        # and the one after it stays empty because longer examples were dropped.
        boundaries = boundaries + [max_length + 1]
        batch_sizes = batch_sizes + [batch_sizes[-1]]
    dataset = dataset.bucket_by_sequence_length(
        example_length,
        bucket_boundaries=boundaries,
        bucket_batch_sizes=batch_sizes,
        pad_to_bucket_boundary=static_shapes,
        drop_remainder=static_shapes,
    )
    return dataset.prefetch(tf.data.AUTOTUNE)
