"""Examples/s and target tokens/s of the input pipeline alone (no model), on Multi30k.

    python bench/input_pipeline.py --tmp_dir=../shared/data/multi30k \
        --out=docs/bench_input_pipeline.json

Generates translate_ende_multi30k into a temporary --data_dir (or reuses --data_dir), then
times `problem.dataset("train", ...)` batches after a warm-up.
"""

import json
import os
import platform
import statistics
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app, flags  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench.results_file import write_json  # noqa: E402

flags.DEFINE_string("tmp_dir", "../shared/data/multi30k", "Raw Multi30k files.")
flags.DEFINE_string("data_dir", None, "Generated data (default: a temporary directory).")
flags.DEFINE_string(
    "hparams_set", "transformer_tiny", "Batch size and bucketing come from this set."
)
flags.DEFINE_string("hparams", "", "Overrides.")
flags.DEFINE_integer("batches", 300, "Timed batches per repeat.")
flags.DEFINE_integer("repeats", 5, "Timed repeats.")
flags.DEFINE_string("out", "docs/bench_input_pipeline.json", "Where the results are written.")
FLAGS = flags.FLAGS


def main(argv):
    del argv
    import tensorflow as tf

    from t2t_lite.hparams import get_hparams
    from t2t_lite.problems import get_problem

    data_dir = FLAGS.data_dir or tempfile.mkdtemp(prefix="t2t_bench_")
    problem = get_problem("translate_ende_multi30k")
    problem.generate_data(data_dir, FLAGS.tmp_dir, seed=1)
    hparams = get_hparams(FLAGS.hparams_set, FLAGS.hparams)
    iterator = iter(problem.dataset("train", data_dir, hparams, seed=1))
    for _ in range(50):  # warm-up: fills shuffle buffer and buckets
        next(iterator)
    rates, token_rates = [], []
    for _ in range(FLAGS.repeats):
        examples = tokens = 0
        start = time.perf_counter()
        for _ in range(FLAGS.batches):
            batch = next(iterator)
            examples += int(batch["targets"].shape[0])
            tokens += int(tf.math.count_nonzero(batch["targets"]))
        elapsed = time.perf_counter() - start
        rates.append(examples / elapsed)
        token_rates.append(tokens / elapsed)
    result = {
        "what": "input pipeline alone, translate_ende_multi30k train, mode=train",
        "hparams_set": FLAGS.hparams_set,
        "batch_size_tokens": hparams.batch_size,
        "max_length": hparams.max_length,
        "examples_per_s_median": statistics.median(rates),
        "examples_per_s_min": min(rates),
        "examples_per_s_max": max(rates),
        "target_tokens_per_s_median": statistics.median(token_rates),
        "repeats": FLAGS.repeats,
        "batches_per_repeat": FLAGS.batches,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "tensorflow": tf.__version__,
    }
    write_json(FLAGS.out, result)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    app.run(main)
