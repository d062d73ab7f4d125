"""Decoding a problem's dev split, with T2T's exact-match report (what `t2t-decoder` does
without --decode_from_file)."""

import dataclasses

from absl import logging

from t2t_lite.decoding.batch_decoding import IdDecoder, ProgressLog, decode_sequences
from t2t_lite.decoding.input_ids import strip_eos, terminate
from t2t_lite.problems import DEV, Problem, Vocabulary
from t2t_lite.utils.text_lines import write_lines_atomically


@dataclasses.dataclass(frozen=True)
class DevDecodeReport:
    """What `decode_dev_split` decoded and wrote."""

    output_base: str
    total: int
    exact: int  # outputs equal to their target, ids for ids
    truncated: int  # inputs cut to max_length ids
    max_length: int

    @property
    def accuracy(self) -> float:
        return self.exact / max(self.total, 1)

    def summary(self) -> str:
        return (
            f"Decoded {self.total} dev examples to {self.output_base}: {self.exact} exact "
            f"({self.accuracy:.4f}); {self.truncated} inputs truncated to "
            f"max_length={self.max_length}"
        )


def _decode_dev(problem, data_dir, decoder, max_length, batch_size, num_samples, progress=None):
    """The dev examples (the first `num_samples`, 0: all), their inputs fitted to
    `max_length` as in training, and the best output ids of each."""
    examples = list(problem.read_examples(data_dir, DEV))
    if num_samples:
        examples = examples[:num_samples]
    fitted = [terminate(strip_eos(ids), max_length) for ids, _ in examples]
    results = decode_sequences(decoder, [ids for ids, _ in fitted], batch_size, progress)
    best = [ids[0] if decoder.return_beams else ids for ids, _ in results]
    return examples, fitted, best


def decode_dev_texts(
    problem: Problem,
    data_dir: str,
    vocabulary: dict[str, Vocabulary],
    decoder: IdDecoder,
    max_length: int,
    batch_size: int,
    num_samples: int = 0,
) -> tuple[list[str], list[str]]:
    """The best output and the target of each dev example (the first `num_samples`, 0:
    all) as text, inputs fitted to `max_length` as in training (for BLEU in evaluation)."""
    examples, _, best = _decode_dev(problem, data_dir, decoder, max_length, batch_size, num_samples)
    target = vocabulary["targets"]
    return target.decode_batch(best), target.decode_batch([t for _, t in examples])


def decode_dev_split(
    problem: Problem,
    data_dir: str,
    vocabulary: dict[str, Vocabulary],
    decoder: IdDecoder,
    max_length: int,
    batch_size: int,
    output_base: str,
    num_samples: int = 0,
) -> DevDecodeReport:
    """Decodes the dev split of `problem` in `data_dir` (its first `num_samples` examples,
    0: all), inputs fitted to `max_length` as in training, and writes the best outputs to
    `output_base`, the inputs to `<output_base>.inputs` and the targets to
    `<output_base>.targets`, one text per line."""
    examples, fitted, best = _decode_dev(
        problem, data_dir, decoder, max_length, batch_size, num_samples, ProgressLog("decoding dev")
    )
    targets = [targets for _, targets in examples]
    texts = {
        "decodes": vocabulary["targets"].decode_batch(best),
        "inputs": vocabulary["inputs"].decode_batch([ids for ids, _ in examples]),
        "targets": vocabulary["targets"].decode_batch(targets),
    }
    for i in range(min(3, len(examples))):
        logging.info(
            "INPUT: %s\nOUTPUT: %s\nTARGET: %s",
            texts["inputs"][i],
            texts["decodes"][i],
            texts["targets"][i],
        )
    for suffix, lines in texts.items():
        write_lines_atomically(
            output_base if suffix == "decodes" else f"{output_base}.{suffix}", lines
        )
    return DevDecodeReport(
        output_base=output_base,
        total=len(examples),
        exact=sum(output == target for output, target in zip(best, targets, strict=True)),
        truncated=sum(cut for _, cut in fitted),
        max_length=max_length,
    )
