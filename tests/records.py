"""Reads TFRecord shards back with protobuf alone (independent of t2t_lite's parser)."""

import glob

import tensorflow as tf


def read_examples(pattern: str) -> list[tuple[list[int], list[int]]]:
    examples = []
    for path in sorted(glob.glob(pattern)):
        for record in tf.data.TFRecordDataset(path):
            example = tf.train.Example.FromString(record.numpy())
            features = example.features.feature
            assert set(features) == {"inputs", "targets"}
            examples.append(
                (
                    list(features["inputs"].int64_list.value),
                    list(features["targets"].int64_list.value),
                )
            )
    return examples
