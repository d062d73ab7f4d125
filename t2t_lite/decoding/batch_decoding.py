"""Decoding many inputs: id sequences batched by length and returned in input order,
and raw text lines through the problem's vocabularies (what `t2t-decoder` runs)."""

import time
from collections.abc import Callable, Sequence

import numpy as np
import tensorflow as tf
from absl import logging

from t2t_lite.decoding.input_ids import terminate
from t2t_lite.decoding.strategy import DecodingStrategy
from t2t_lite.decoding.transformer_search import decode_ids
from t2t_lite.errors import DataError
from t2t_lite.ids import EOS_ID

_PROGRESS_SECONDS = 10.0


class IdDecoder:
    """A model and a decoding strategy as one traced function over `[batch, length]` ids.

    Calling it returns NumPy `(ids, scores)` as `decode_ids` describes. `jit_compile`
    compiles the search with XLA (once per input shape; about 2x faster on CPU at
    batch 32, see docs/decoding.md).
    """

    def __init__(self, model, strategy: DecodingStrategy, jit_compile: bool = False):
        self.strategy = strategy

        @tf.function(
            input_signature=[tf.TensorSpec([None, None], tf.int32)], jit_compile=jit_compile
        )
        def decode(inputs):
            return decode_ids(model, inputs, strategy)

        self._decode = decode

    @property
    def return_beams(self) -> bool:
        return self.strategy.return_beams

    def __call__(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ids, scores = self._decode(tf.constant(inputs, tf.int32))
        return ids.numpy(), scores.numpy()


def cut_at_eos(ids: Sequence[int]) -> list[int]:
    """The ids up to and including the first EOS (all of them if there is none)."""
    ids = list(ids)
    return ids[: ids.index(EOS_ID) + 1] if EOS_ID in ids else ids


def decode_sequences(
    decoder: IdDecoder,
    sequences: Sequence[Sequence[int]],
    batch_size: int,
    progress: Callable[[int, int], None] | None = None,
) -> list[tuple[list, object]]:
    """Decodes EOS-terminated id sequences, `batch_size` at a time, similar lengths together.

    Returns one `(ids, score)` per sequence in input order: ids cut after EOS (a list of
    such lists per beam with `return_beams`). An empty sequence gives `([], 0.0)` without
    running the model. `progress(done, total)` is called after each batch.
    """
    results: list = [None] * len(sequences)
    empty = [] if not decoder.return_beams else [[]]
    todo = []
    for index, sequence in enumerate(sequences):
        if len(sequence) == 0:
            results[index] = (empty, 0.0 if not decoder.return_beams else [0.0])
        else:
            todo.append(index)
    # Longest first: the slowest batches show up early in the progress rate.
    todo.sort(key=lambda i: -len(sequences[i]))
    done = len(sequences) - len(todo)
    for start in range(0, len(todo), batch_size):
        batch = todo[start : start + batch_size]
        width = max(len(sequences[i]) for i in batch)
        padded = np.zeros([len(batch), width], np.int32)
        for row, index in enumerate(batch):
            padded[row, : len(sequences[index])] = sequences[index]
        ids, scores = decoder(padded)
        for row, index in enumerate(batch):
            if decoder.return_beams:
                beams = [cut_at_eos(beam) for beam in ids[row]]
                results[index] = (beams, [float(s) for s in scores[row]])
            else:
                results[index] = (cut_at_eos(ids[row]), float(scores[row]))
        done += len(batch)
        if progress:
            progress(done, len(sequences))
    return results


def encode_lines(
    lines: Sequence[str], vocabulary, max_length: int
) -> tuple[list[list[int]], list[int]]:
    """Ids of each line with EOS appended; an empty or blank line gives no ids.

    Lines whose ids do not fit `max_length` (EOS included) are cut (`input_ids.terminate`).
    Returns the sequences and the 0-based indices of the cut lines. A line the vocabulary
    cannot encode raises `DataError` naming its 1-based number.
    """
    sequences, truncated = [], []
    try:
        encoded = vocabulary.encode_batch(list(lines)) if lines else []
    except ValueError:
        for number, line in enumerate(lines, start=1):  # find the line to name
            try:
                vocabulary.encode(line)
            except ValueError as error:
                raise DataError(f"input line {number}: {error}") from None
        raise
    for index, ids in enumerate(encoded):
        if not ids or not lines[index].strip():
            sequences.append([])
            continue
        ids, cut = terminate(ids, max_length)
        if cut:
            truncated.append(index)
        sequences.append(ids)
    return sequences, truncated


class ProgressLog:
    """`progress(done, total)` that logs at most every few seconds, with the rate."""

    def __init__(self, what: str):
        self.what = what
        self.start = self.last = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last >= _PROGRESS_SECONDS or done == total:
            rate = done / max(now - self.start, 1e-9)
            logging.info("%s: %d/%d (%.1f/s)", self.what, done, total, rate)
            self.last = now


def translate_lines(
    decoder: IdDecoder,
    lines: Sequence[str],
    input_vocabulary,
    target_vocabulary,
    max_length: int,
    batch_size: int,
    progress: Callable[[int, int], None] | None = None,
) -> list[str]:
    """One output line per input line, in order: the best translation, or with
    `return_beams` every beam, tab-separated. Truncated lines are logged as warnings."""
    sequences, truncated = encode_lines(lines, input_vocabulary, max_length)
    for index in truncated:
        logging.warning(
            "input line %d is longer than max_length=%d ids: truncated", index + 1, max_length
        )
    results = decode_sequences(decoder, sequences, batch_size, progress)
    if decoder.return_beams:
        flat = [beam for beams, _ in results for beam in beams]
        texts = iter(target_vocabulary.decode_batch(flat)) if flat else iter([])
        return ["\t".join(next(texts) for _ in beams) for beams, _ in results]
    texts = target_vocabulary.decode_batch([ids for ids, _ in results]) if results else []
    return texts
