"""Decoding many inputs: id sequences batched by length and returned in input order,
and raw text lines (source sentences or prompts, as the model's `decode_input` says)
through the problem's vocabularies (what `t2t-decoder` runs)."""

import time
from collections.abc import Callable, Sequence

import numpy as np
import tensorflow as tf
from absl import logging

from t2t_lite.decoding.input_ids import fit
from t2t_lite.decoding.model_decode import decode_ids
from t2t_lite.decoding.strategy import DecodingStrategy
from t2t_lite.errors import DataError
from t2t_lite.ids import EOS_ID
from t2t_lite.models import SOURCE_SENTENCE, DecodeInput

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
    decode_empty: bool = False,
) -> list[tuple[list, object]]:
    """Decodes id sequences (EOS-terminated sources, or prompts), `batch_size` at a time,
    similar lengths together.

    Returns one `(ids, score)` per sequence in input order: ids cut after EOS (a list of
    such lists per beam with `return_beams`). An empty sequence gives `([], 0.0)` without
    running the model, unless `decode_empty` (an empty prompt is unconditional).
    `progress(done, total)` is called after each batch.
    """
    results: list = [None] * len(sequences)
    empty = [] if not decoder.return_beams else [[]]
    todo = []
    for index, sequence in enumerate(sequences):
        if len(sequence) == 0 and not decode_empty:
            results[index] = (empty, 0.0 if not decoder.return_beams else [0.0])
        else:
            todo.append(index)
    # Longest first: the slowest batches show up early in the progress rate.
    todo.sort(key=lambda i: -len(sequences[i]))
    done = len(sequences) - len(todo)
    for start in range(0, len(todo), batch_size):
        batch = todo[start : start + batch_size]
        width = max(1, max(len(sequences[i]) for i in batch))
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
    lines: Sequence[str],
    vocabulary,
    max_length: int,
    decode_input: DecodeInput = SOURCE_SENTENCE,
) -> tuple[list[list[int]], list[int]]:
    """Ids of each line, fitted as `decode_input` says (`input_ids.fit`: a source gets EOS
    appended); an empty or blank line gives no ids.

    Lines whose ids do not fit `max_length` are cut. Returns the sequences and the 0-based
    indices of the cut lines. A line the vocabulary cannot encode raises `DataError`
    naming its 1-based number.
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
        ids, cut = fit(ids, max_length, decode_input.keep)
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


def decode_lines(
    decoder: IdDecoder,
    lines: Sequence[str],
    vocabulary: dict,
    decode_input: DecodeInput,
    max_length: int,
    batch_size: int,
    progress: Callable[[int, int], None] | None = None,
    write_beam_scores: bool = False,
) -> list[str]:
    """One output line per input line, in order: the best translation (or continuation of
    a prompt, without the prompt), or with `return_beams` or several samples each of
    them, tab-separated, best first; `write_beam_scores` follows each with its score
    (`%.2f`, T2T's `beam<TAB>score<TAB>beam<TAB>score...`). `vocabulary` holds the
    problem's vocabularies by feature; `decode_input` is the model's. Truncated lines are
    logged as warnings."""
    target_vocabulary = vocabulary["targets"]
    sequences, truncated = encode_lines(
        lines, vocabulary[decode_input.vocabulary], max_length, decode_input
    )
    for index in truncated:
        logging.warning(
            "input line %d is longer than max_length=%d ids: its %s ids are kept",
            index + 1,
            max_length,
            decode_input.keep,
        )
    results = decode_sequences(
        decoder, sequences, batch_size, progress, decode_empty=decode_input.blank_is_unconditional
    )
    if decoder.return_beams:
        flat = [beam for beams, _ in results for beam in beams]
        texts = iter(target_vocabulary.decode_batch(flat)) if flat else iter([])
        lines = []
        for beams, scores in results:
            decoded = [next(texts) for _ in beams]
            if write_beam_scores and beams != [[]]:  # a blank line stays blank
                decoded = [
                    f"{text}\t{score:.2f}" for text, score in zip(decoded, scores, strict=True)
                ]
            lines.append("\t".join(decoded))
        return lines
    texts = target_vocabulary.decode_batch([ids for ids, _ in results]) if results else []
    return texts
