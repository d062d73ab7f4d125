r"""The Vision Transformer's test accuracy on image_digits beside scikit-learn's
LogisticRegression on the same split (docs/results.md quotes the output).

    for seed in 1 2 3; do
      t2t-trainer --flagfile=configs/image_digits.cfg --random_seed=$seed \
        --output_dir=t2t_work/image_digits/run$seed
    done
    python bench/image_digits.py --data_dir=t2t_work/image_digits/data \
      --output_dirs=t2t_work/image_digits/run1,t2t_work/image_digits/run2,t2t_work/image_digits/run3

The baseline sees the pixels the ViT sees (grey levels scaled to [0, 1]), fitted on the
train split, C chosen on the dev split; both are scored on the 360 test images.
"""

import os
import platform
import statistics
import sys
import time

from absl import app, flags

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results_file import write_atomically, write_json  # noqa: E402

flags.DEFINE_string("data_dir", None, "The image_digits data_dir.")
flags.DEFINE_list("output_dirs", None, "Trained vision_transformer runs (one per seed).")
flags.DEFINE_string("results", "docs/results_image_digits", "Writes <results>.json and .md.")
FLAGS = flags.FLAGS


def logistic_regression_accuracy() -> dict:
    from sklearn.linear_model import LogisticRegression

    from t2t_lite.problems import DEV, TEST, TRAIN
    from t2t_lite.problems.image_datasets import DIGITS_LEVELS, digits_split

    data = {}
    for split in (TRAIN, DEV, TEST):
        levels, digits = digits_split(split)
        data[split] = (levels.reshape(len(levels), -1) / DIGITS_LEVELS, digits)
    best = None
    for c in (0.01, 0.1, 1.0, 10.0, 100.0):
        model = LogisticRegression(C=c, max_iter=5000).fit(*data[TRAIN])
        dev = model.score(*data[DEV])
        if best is None or dev > best[0]:
            best = (dev, c, model)
    dev, c, model = best
    return {"C": c, "dev_accuracy": dev, "test_accuracy": model.score(*data[TEST])}


def vit_test_accuracy(output_dir: str, data_dir: str) -> dict:
    from t2t_lite import decoding, runs
    from t2t_lite.problems import TEST

    run = runs.open_trained_run(output_dir, data_dir)
    report = decoding.classify_dev_split(
        run.problem,
        data_dir,
        run.vocabulary,
        run.model,
        run.hparams,
        256,
        os.path.join(output_dir, "test.classes"),
        split=TEST,
    )
    return {
        "output_dir": output_dir,
        "checkpoint": run.checkpoint,
        "test_accuracy": report.accuracy,
    }


def main(argv):
    del argv
    start = time.monotonic()
    runs = [vit_test_accuracy(d, FLAGS.data_dir) for d in FLAGS.output_dirs]
    baseline = logistic_regression_accuracy()
    accuracies = [r["test_accuracy"] for r in runs]
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "test_images": 360,
        "vision_transformer": runs,
        "vision_transformer_mean": statistics.mean(accuracies),
        "vision_transformer_min": min(accuracies),
        "vision_transformer_max": max(accuracies),
        "logistic_regression": baseline,
        "seconds": round(time.monotonic() - start, 1),
    }
    write_json(FLAGS.results + ".json", result)
    lines = [
        "| model (image_digits, 360 test images) | test accuracy |",
        "|---|---|",
        f"| scikit-learn LogisticRegression (C={baseline['C']}, chosen on dev) | "
        f"{baseline['test_accuracy']:.4f} |",
        f"| t2t_lite vision_transformer, {len(runs)} seeds: mean (min - max) | "
        f"{result['vision_transformer_mean']:.4f} ({min(accuracies):.4f} - "
        f"{max(accuracies):.4f}) |",
        "",
    ]
    write_atomically(FLAGS.results + ".md", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    flags.mark_flags_as_required(["data_dir", "output_dirs"])
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    app.run(main)
