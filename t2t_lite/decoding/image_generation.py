"""Generating images after captions (DALL-E's structure, `text2image_digits`): each
caption line's samples as PNG files named by line and sample, and one contact sheet of
the whole batch (what `t2t-decoder` does for a problem whose outputs are images)."""

import os
import re
from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from t2t_lite.decoding.batch_decoding import IdDecoder, ProgressLog, decode_sequences
from t2t_lite.decoding.strategy import DecodingStrategy, strategy_from_decode_hparams
from t2t_lite.errors import DataError
from t2t_lite.hparams import HParams
from t2t_lite.problems.image_io import encode_png
from t2t_lite.utils import file_system as fs
from t2t_lite.utils.text_lines import write_lines_atomically

SHEET_SCALE = 4  # contact-sheet pixels per image pixel


def generate_images(
    decoder: IdDecoder,
    captions: Sequence[str],
    vocabulary,
    problem,
    max_length: int,
    batch_size: int,
    source: str,
) -> list[list[np.ndarray]]:
    """The uint8 images (`problem.image_shape`) sampled after each caption of `source`:
    one per caption, or the strategy's samples per caption. A caption with a word the
    vocabulary lacks, or too long for the model's `max_length` with its image, is a
    `DataError` naming the line."""
    sequences = []
    for number, text in enumerate(captions, start=1):
        try:
            (ids,) = vocabulary.encode_batch([text])
        except ValueError as error:
            raise DataError(f"{source}:{number}: {error}") from None
        if len(ids) + problem.image_tokens > max_length:
            raise DataError(
                f"{source}:{number}: the caption takes {len(ids)} ids; with the image's "
                f"{problem.image_tokens} that is past the model's max_length={max_length}"
            )
        sequences.append(ids)
    results = decode_sequences(
        decoder, sequences, batch_size, ProgressLog(f"generating {source}"), decode_empty=True
    )
    images = []
    for ids, _ in results:
        samples = ids if decoder.return_beams else [ids]
        images.append([problem.pixels_from_ids(sample) for sample in samples])
    return images


def contact_sheet(images: list[list[np.ndarray]]) -> np.ndarray:
    """One grey image: a row per caption, a column per sample, each image scaled up
    `SHEET_SCALE` times, with a 1-pixel white rule between them."""
    height, width = images[0][0].shape
    columns = max(len(row) for row in images)
    cell_h, cell_w = height * SHEET_SCALE + 1, width * SHEET_SCALE + 1
    sheet = np.full((len(images) * cell_h + 1, columns * cell_w + 1), 255, np.uint8)
    for r, row in enumerate(images):
        for c, image in enumerate(row):
            big = np.kron(image, np.ones((SHEET_SCALE, SHEET_SCALE), np.uint8))
            sheet[r * cell_h + 1 : (r + 1) * cell_h, c * cell_w + 1 : (c + 1) * cell_w] = big
    return sheet


def image_search(decode_hparams: HParams, problem) -> DecodingStrategy:
    """The search strategy of `decode_hparams` for `problem`'s images: it writes exactly
    one image's ids after each caption (`extra_length` is set to the image's size)."""
    decode_hparams.extra_length = problem.image_tokens
    return strategy_from_decode_hparams(decode_hparams)


_SAMPLE_NAME = re.compile(r"\.(\d+)\.(\d+)\.png$")


def write_images(images: list[list[np.ndarray]], base: str) -> int:
    """Writes `<base>.<line>.<sample>.png` for every image (lines and samples from 1), the
    contact sheet `<base>.png`, and last `<base>` itself, listing each caption's files
    tab-separated; returns the number of images. Every file is written whole (temporary
    name, then rename), and `<base>.<line>.<sample>.png` files of an earlier, larger
    batch are removed, so `<base>` and the PNGs beside it always agree."""
    lines, written = [], set()
    for line, row in enumerate(images, start=1):
        names = []
        for sample, image in enumerate(row, start=1):
            path = f"{base}.{line}.{sample}.png"
            fs.write_atomically(path, encode_png(image))
            written.add(path)
            names.append(os.path.basename(path))
        lines.append("\t".join(names))
    folder, name = os.path.split(base)
    for other in tf.io.gfile.listdir(folder or "."):
        path = os.path.join(folder, other)
        stale = other.startswith(name) and _SAMPLE_NAME.fullmatch(other[len(name) :])
        if stale and path not in written:
            tf.io.gfile.remove(path)
    if images:
        fs.write_atomically(f"{base}.png", encode_png(contact_sheet(images)))
    write_lines_atomically(base, lines)
    return len(written)
