r"""A sanity floor for the text classifier (transformer_encoder): is a Multi30k caption
English or German? Lines of both languages from different caption pairs (even pairs
give their English, odd ones their German), so no text has its translation beside it.

    python bench/text_classification_multi30k.py --tmp_dir=../shared/data/multi30k

It writes label<TAB>text files (train: the first --train_pairs pairs; dev: val; test:
test_2016_flickr), runs t2t-datagen, t2t-trainer and t2t-decoder on the test split as a
user does, and reports test accuracy (docs/results.md quotes it). This is a floor, not a
benchmark: the languages differ in their words.
"""

import gzip
import json
import os
import platform
import re
import subprocess
import sys
import time

from absl import app, flags

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results_file import write_atomically, write_json  # noqa: E402

flags.DEFINE_string("tmp_dir", None, "Multi30k's .gz files.")
flags.DEFINE_string("work_dir", "t2t_work/text_classification_multi30k", "Data and run.")
flags.DEFINE_integer("train_pairs", 10000, "Train lines (half English, half German).")
flags.DEFINE_integer("train_steps", 400, "Training steps.")
flags.DEFINE_string("results", "docs/results_text_classification", "Writes .json and .md.")
FLAGS = flags.FLAGS

SPLITS = {"train": "train", "dev": "val", "test": "test_2016_flickr"}


def write_split(split: str, stem: str, limit: int | None) -> str:
    def lines(language):
        with gzip.open(os.path.join(FLAGS.tmp_dir, f"{stem}.{language}.gz"), "rt") as f:
            return f.read().splitlines()

    english, german = lines("en"), lines("de")
    count = min(limit or len(english), len(english))
    rows = [
        f"en\t{english[i]}" if i % 2 == 0 else f"de\t{german[i]}"
        for i in range(count)
        if english[i].strip() and german[i].strip()
    ]
    path = os.path.join(FLAGS.work_dir, f"{split}.tsv")
    write_atomically(path, "\n".join(rows) + "\n")
    return path


def binary(name: str, *args: str) -> str:
    scripts = os.path.dirname(sys.executable)
    result = subprocess.run(
        [os.path.join(scripts, name), *args], capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise SystemExit(f"{name} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def main(argv):
    del argv
    start = time.monotonic()
    files = {
        split: write_split(split, stem, FLAGS.train_pairs if split == "train" else None)
        for split, stem in SPLITS.items()
    }
    data_dir = os.path.join(FLAGS.work_dir, "data")
    run_dir = os.path.join(FLAGS.work_dir, "run")
    binary(
        "t2t-datagen",
        "--problem=text_classification_files",
        f"--data_dir={data_dir}",
        *(f"--{split}_text={path}" for split, path in files.items()),
        "--approx_vocab_size=4000",
        "--overwrite",
    )
    trained = binary(
        "t2t-trainer",
        "--problem=text_classification_files",
        "--model=transformer_encoder",
        "--hparams_set=transformer_tiny",
        "--hparams=batch_size=4096,max_length=64",
        f"--data_dir={data_dir}",
        f"--output_dir={run_dir}",
        f"--train_steps={FLAGS.train_steps}",
        f"--local_eval_frequency={FLAGS.train_steps}",
        "--eval_steps=0",
    )
    dev_accuracy = float(re.findall(r" accuracy ([0-9.]+)", trained)[-1])
    out = os.path.join(FLAGS.work_dir, "test.classes")
    listing = os.path.join(FLAGS.work_dir, "test.texts")
    with open(files["test"]) as f:
        rows = [line.rstrip("\n").split("\t", 1) for line in f if line.strip()]
    write_atomically(listing, "\n".join(text for _, text in rows) + "\n")
    binary(
        "t2t-decoder",
        f"--data_dir={data_dir}",
        f"--output_dir={run_dir}",
        f"--decode_from_file={listing}",
        f"--decode_to_file={out}",
    )
    with open(out) as f:
        predicted = [line.split("\t")[0] for line in f.read().splitlines()]
    correct = sum(p == label for p, (label, _) in zip(predicted, rows, strict=True))
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "train_lines": FLAGS.train_pairs,
        "train_steps": FLAGS.train_steps,
        "dev_accuracy": dev_accuracy,
        "test_lines": len(rows),
        "test_accuracy": correct / len(rows),
        "seconds": round(time.monotonic() - start, 1),
    }
    write_json(FLAGS.results + ".json", result)
    text = (
        f"transformer_encoder (transformer_tiny), English vs German Multi30k captions, "
        f"{FLAGS.train_pairs:,} train lines, {FLAGS.train_steps} steps: test accuracy "
        f"{result['test_accuracy']:.4f} on {len(rows)} test_2016_flickr lines (dev "
        f"{dev_accuracy:.4f}); {result['seconds']:.0f} s with datagen on "
        f"{result['machine']}.\n"
    )
    write_atomically(FLAGS.results + ".md", text)
    print(text)
    print(json.dumps(result))


if __name__ == "__main__":
    flags.mark_flags_as_required(["tmp_dir"])
    app.run(main)
