"""Reads TFRecord shards back with protobuf alone (independent of t2t_lite's parser)."""

import glob

import tensorflow as tf


def read_examples(pattern: str, names=("inputs", "targets")) -> list[tuple[list[int], ...]]:
    """Each record's int64 features `names`, in that order; the records must hold exactly
    those features."""
    examples = []
    for path in sorted(glob.glob(pattern)):
        for record in tf.data.TFRecordDataset(path):
            example = tf.train.Example.FromString(record.numpy())
            features = example.features.feature
            assert set(features) == set(names)
            examples.append(tuple(list(features[name].int64_list.value) for name in names))
    return examples
