"""Decoding with a classifier (`task = "classification"`): the most probable class of
each image file or text line, and of each dev example with its accuracy (what
`t2t-decoder` does for an image or text classifier)."""

from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from t2t_lite.decoding.dev_split import DevDecodeReport
from t2t_lite.decoding.input_ids import strip_eos, terminate
from t2t_lite.errors import DataError, first_line
from t2t_lite.problems import DEV, Problem
from t2t_lite.problems.image_io import tf_model_image
from t2t_lite.utils import file_system as fs
from t2t_lite.utils.text_lines import write_lines_atomically


def _pad(sequences: list[list[int]]) -> np.ndarray:
    width = max(len(ids) for ids in sequences)
    return np.array([ids + [0] * (width - len(ids)) for ids in sequences], np.int32)


def classify(model, inputs: Sequence, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
    """`(class ids [n], probabilities [n, classes])` of `inputs`: float images `[h, w, c]`
    or id lists (ending in EOS), `batch_size` at a time."""
    predict = tf.function(lambda features: tf.nn.softmax(model(features, training=False)))
    probabilities = []
    for start in range(0, len(inputs), batch_size):
        chunk = inputs[start : start + batch_size]
        batch = np.stack(chunk) if isinstance(chunk[0], np.ndarray) else _pad(list(chunk))
        probabilities.append(predict({"inputs": tf.constant(batch)}).numpy())
    if not probabilities:
        return np.zeros([0], np.int64), np.zeros([0, 0], np.float32)
    probabilities = np.concatenate(probabilities)
    return probabilities.argmax(axis=-1), probabilities


def read_model_image(path: str, image_size: int, channels: int, where: str) -> np.ndarray:
    """The image file at `path` as the model takes it; a missing or undecodable file is a
    `DataError` that starts with `where`."""
    if not fs.exists(path):
        raise DataError(f"{where}: no image file {path}")
    try:
        return tf_model_image(tf.constant(fs.read_bytes(path)), image_size, channels).numpy()
    except tf.errors.OpError as error:
        raise DataError(f"{where}: {path} is not an image ({first_line(error)})") from None


def classify_lines(
    model, lines: Sequence[str], vocabulary: dict, hparams, batch_size: int, source: str
) -> list[str]:
    """`<class name>\\t<probability>` for each line of `source`: an image file's path
    (image models) or a text (text classifiers)."""
    if "inputs" in vocabulary:
        inputs = [
            terminate(ids, hparams.max_length)[0]
            for ids in vocabulary["inputs"].encode_batch(list(lines))
        ]
    else:
        inputs = [
            read_model_image(
                line.strip(), hparams.image_size, hparams.num_channels, f"{source}:{number}"
            )
            for number, line in enumerate(lines, start=1)
        ]
    best, probabilities = classify(model, inputs, batch_size)
    names = vocabulary["targets"].names
    return [f"{names[i]}\t{probabilities[row, i]:.4f}" for row, i in enumerate(best)]


def classify_dev_split(
    problem: Problem,
    data_dir: str,
    vocabulary: dict,
    model,
    hparams,
    batch_size: int,
    output_base: str,
    split: str = DEV,
) -> DevDecodeReport:
    """Classifies `split` (the dev split by default); writes the predicted class names to
    `output_base` and the true ones to `<output_base>.targets`; `exact` counts the right
    ones."""
    examples = list(problem.read_examples(data_dir, split))
    if "inputs" in vocabulary:
        inputs = [terminate(strip_eos(ids), hparams.max_length)[0] for ids, _ in examples]
    else:
        size, channels = hparams.image_size, hparams.num_channels
        inputs = [
            tf_model_image(tf.constant(image), size, channels).numpy() for image, _ in examples
        ]
    best, _ = classify(model, inputs, batch_size)
    truth = [label[0] for _, label in examples]
    names = vocabulary["targets"].names
    write_lines_atomically(output_base, [names[i] for i in best])
    write_lines_atomically(f"{output_base}.targets", [names[i] for i in truth])
    return DevDecodeReport(
        output_base=output_base,
        total=len(examples),
        exact=int(sum(int(p) == int(t) for p, t in zip(best, truth, strict=True))),
        truncated=0,
        max_length=hparams.max_length,
    )
