"""Sharded TFRecord files of `tf.train.Example`s with a problem's int64 id features
(`inputs` and `targets` for text-to-text, `targets` alone for a language model).

Shards are written under hidden temporary names and renamed only once every shard of a
problem is complete, so a killed run never leaves a file that looks finished and the
input pipeline's file pattern never matches a partial shard.
"""

import os
import random
import re
from collections.abc import Iterable, Mapping, Sequence

import tensorflow as tf

from t2t_lite.errors import DataError, first_line
from t2t_lite.utils import file_system as fs

# The features of a text-to-text problem; a problem names its own (`Problem.features`).
FEATURES = ("inputs", "targets")


def shard_paths(data_dir: str, dataset_name: str, split: str, num_shards: int) -> list[str]:
    """T2T's names: `<data_dir>/<name>-<split>-00000-of-00010`."""
    return [
        os.path.join(data_dir, f"{dataset_name}-{split}-{i:05d}-of-{num_shards:05d}")
        for i in range(num_shards)
    ]


def file_pattern(data_dir: str, dataset_name: str, split: str) -> str:
    return os.path.join(data_dir, f"{dataset_name}-{split}-*")


_SHARD_SUFFIX = re.compile(r"-(\d+)-of-(\d+)$")


def split_files(data_dir: str, dataset_name: str, split: str) -> list[str]:
    """The files of one split on disk, sorted: whatever matches `<name>-<split>-*` (as
    T2T globs), `[]` if nothing does. Shards named `-NNNNN-of-MMMMM` must form one
    complete set; a gap (a killed or partial copy) is a `DataError` naming the first
    missing shard."""
    files = sorted(fs.glob(file_pattern(data_dir, dataset_name, split)))
    shards: dict[int, set[int]] = {}
    for path in files:
        found = _SHARD_SUFFIX.search(path)
        if found:
            shards.setdefault(int(found.group(2)), set()).add(int(found.group(1)))
    if len(shards) > 1:
        raise DataError(
            f"--data_dir={data_dir}: the {split} split of {dataset_name} mixes shard sets "
            f"(-of-{', -of-'.join(f'{n:05d}' for n in sorted(shards))}); regenerate it with "
            "t2t-datagen --overwrite"
        )
    for total, present in shards.items():
        missing = sorted(set(range(total)) - present)
        if missing:
            first_missing = os.path.basename(
                shard_paths(data_dir, dataset_name, split, total)[missing[0]]
            )
            raise DataError(
                f"--data_dir={data_dir}: the {split} split of {dataset_name} is incomplete: "
                f"{len(missing)} of {total} shards are missing, the first {first_missing}; "
                "regenerate it with t2t-datagen --overwrite"
            )
    return files


def splits_on_disk(data_dir: str, dataset_name: str) -> list[str]:
    """The split names that have files `<name>-<split>-*` in `data_dir`."""
    prefix = f"{dataset_name}-"
    names = (os.path.basename(path) for path in fs.glob(os.path.join(data_dir, prefix + "*")))
    return sorted({name[len(prefix) :].split("-", 1)[0] for name in names if name.count("-") >= 2})


def _feature(value: Sequence[int] | bytes) -> tf.train.Feature:
    if isinstance(value, bytes):
        return tf.train.Feature(bytes_list=tf.train.BytesList(value=[value]))
    return tf.train.Feature(int64_list=tf.train.Int64List(value=value))


def serialize_example(features: Mapping[str, Sequence[int] | bytes]) -> bytes:
    """A `tf.train.Example` of int64 id features, e.g. `{"inputs": [...], "targets": [...]}`
    (a `bytes` value, an encoded image, is one string)."""
    feature = {name: _feature(value) for name, value in features.items()}
    # deterministic=True: protobuf may write map entries (the features) in any order, and
    # the same seed must give byte-identical files.
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString(
        deterministic=True
    )


def parse_example(
    serialized: tf.Tensor,
    features: Sequence[str] = FEATURES,
    kinds: Mapping[str, str] | None = None,
) -> dict[str, tf.Tensor]:
    """Serialized Example -> `{name: [n] int64}` for each of `features`; a feature whose
    kind (in `kinds`) is "image" is a scalar string."""
    kinds = kinds or {}
    spec = {
        name: tf.io.FixedLenFeature([], tf.string)
        if kinds.get(name) == "image"
        else tf.io.RaggedFeature(tf.int64)
        for name in features
    }
    return tf.io.parse_single_example(serialized, spec)


def write_shards(
    serialized_examples: Iterable[bytes], paths: list[str], seed: int
) -> tuple[list[str], int]:
    """Spreads examples round-robin over `paths`, shuffles each shard with a seeded RNG and
    writes it to its temporary name. Returns `(temporary paths, number of examples)`;
    `commit` renames them.
    """
    shards: list[list[bytes]] = [[] for _ in paths]
    count = 0
    for count, example in enumerate(serialized_examples, start=1):
        shards[(count - 1) % len(paths)].append(example)
    tmp_paths = []
    for path, examples in zip(paths, shards, strict=True):
        random.Random(f"{seed}-{os.path.basename(path)}").shuffle(examples)
        tmp_path = fs.temporary_path(path)
        with tf.io.TFRecordWriter(tmp_path) as writer:
            for example in examples:
                writer.write(example)
        tmp_paths.append(tmp_path)
    return tmp_paths, count


def commit(tmp_paths: list[str]) -> None:
    """Renames temporary files (shards, vocabulary) to their final names."""
    for tmp_path in tmp_paths:
        fs.rename(tmp_path, fs.final_path(tmp_path))


def remove_stale_temporaries(data_dir: str, dataset_name: str) -> None:
    """Deletes the temporary shards and vocabulary a killed run left behind."""
    for pattern in (f"{dataset_name}-*", f"vocab.{dataset_name}.*"):
        for path in fs.glob(fs.temporary_path(os.path.join(data_dir, pattern))):
            fs.remove(path)


_CORRUPTION = re.compile(r"(corrupted|truncated) record at \d+")


def scan_records(path: str, batch: int = 1024) -> tuple[int, str | None]:
    """`(records readable from the start of path, why reading stopped early or None)`.

    TFRecord readers cannot resynchronize after a bad length or checksum, so whatever
    follows the first corrupt record of a file is unreadable too.
    """
    count = 0
    try:
        for records in tf.data.TFRecordDataset(path).batch(batch):
            count += int(records.shape[0])
        return count, None
    except tf.errors.DataLossError:
        pass
    # Count the last, partial batch one record at a time.
    try:
        for _ in tf.data.TFRecordDataset(path).skip(count):
            count += 1
    except tf.errors.DataLossError as error:
        found = _CORRUPTION.search(str(error))
        return count, found.group(0) if found else first_line(error)
    return count, None


def corruption_error(paths: list[str]) -> DataError:
    """A `DataError` naming each corrupt file among `paths` (read to find them), and how
    to recover."""
    bad = []
    for path in paths:
        count, problem = scan_records(path)
        if problem is not None:
            bad.append(f"{path}: {problem} (after {count} readable records)")
    if not bad:
        return DataError(
            f"a TFRecord file among {len(paths)} became unreadable while being read: {paths}"
        )
    return DataError(
        "corrupt TFRecord file: " + "; ".join(bad) + ". Regenerate the data (t2t-datagen "
        "--problem=... after deleting the file), or pass --skip_corrupt_records to train "
        "on the records before the damage."
    )
