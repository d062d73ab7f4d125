"""The one rule for fitting an input to the model, in Python and in the graph: EOS
appended, and an input longer than `max_length` ids (EOS included) cut to its first
`max_length - 1` ids before the EOS, as the model was trained. `max_length=0`: no limit.
"""

from collections.abc import Sequence

import tensorflow as tf

from t2t_lite.ids import EOS_ID, PAD_ID


def terminate(ids: Sequence[int], max_length: int) -> tuple[list[int], bool]:
    """`ids` (no EOS) fitted to `max_length`, EOS last, and whether it was cut."""
    cut = bool(max_length) and len(ids) + 1 > max_length
    if cut:
        ids = ids[: max_length - 1]
    return list(ids) + [EOS_ID], cut


def strip_eos(ids: Sequence[int]) -> list[int]:
    """`ids` without their final EOS (stored examples end in one)."""
    ids = list(ids)
    return ids[:-1] if ids and ids[-1] == EOS_ID else ids


def tf_terminate(ragged_ids: tf.RaggedTensor, max_length: int) -> tf.Tensor:
    """In-graph `terminate` of a ragged `[batch, None]` batch: int32 `[batch, length]`,
    0-padded."""
    ragged_ids = tf.cast(ragged_ids, tf.int32)
    if max_length:
        ragged_ids = ragged_ids[:, : max_length - 1]
    eos = tf.RaggedTensor.from_tensor(
        tf.fill([ragged_ids.nrows(), 1], EOS_ID), row_splits_dtype=ragged_ids.row_splits.dtype
    )
    return tf.concat([ragged_ids, eos], axis=1).to_tensor(PAD_ID)
