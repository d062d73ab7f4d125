"""The rules for fitting what a user decodes to the model, in Python and in the graph.

A source sentence gets EOS appended, and one longer than `max_length` ids (EOS
included) is cut to its first `max_length - 1` ids before the EOS, as the model was
trained. A prompt (a language model's) gets no EOS, and one longer than `max_length - 1`
ids keeps its last `max_length - 1` ids: the continuation follows the prompt's end, and
at least its first id falls within the length trained on. `max_length=0`: no limit.
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


def fit_prompt(ids: Sequence[int], max_length: int) -> tuple[list[int], bool]:
    """`ids` (no EOS) fitted as a prompt to `max_length`, and whether it was cut."""
    cut = bool(max_length) and len(ids) > max_length - 1
    return (list(ids[len(ids) - (max_length - 1) :]) if cut else list(ids)), cut


def fit(ids: Sequence[int], max_length: int, keep: str) -> tuple[list[int], bool]:
    """`terminate` for a source sentence (`keep="first"`), `fit_prompt` for a prompt
    (`keep="last"`), as a model's `DecodeInput.keep` says."""
    return terminate(ids, max_length) if keep == "first" else fit_prompt(ids, max_length)


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


def tf_fit_prompt(ragged_ids: tf.RaggedTensor, max_length: int) -> tf.Tensor:
    """In-graph `fit_prompt` of a ragged `[batch, None]` batch: int32 `[batch, length]`,
    0-padded on the right."""
    ragged_ids = tf.cast(ragged_ids, tf.int32)
    if max_length:
        ragged_ids = ragged_ids[:, -(max_length - 1) :] if max_length > 1 else ragged_ids[:, :0]
    return ragged_ids.to_tensor(PAD_ID)
