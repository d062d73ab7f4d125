"""What the distribution strategy and the input pipeline cost the one-device train step:
`transformer_tiny` on Multi30k batches, fed (1) by the input pipeline through
`OneDeviceStrategy`, (2) by the input pipeline under TensorFlow's default strategy (what
`--distribution_strategy=one_device` runs), (3) from batches prepared beforehand.

    python bench/strategy_overhead.py --tmp_dir=../shared/data/multi30k

Each mode runs in its own process (15 warm-up steps, then 40 timed); prints target
tokens/s, ms/step and the process's user and system CPU seconds over the timed steps.
"""

import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app, flags  # noqa: E402

flags.DEFINE_string("tmp_dir", "../shared/data/multi30k", "Raw Multi30k files.")
flags.DEFINE_string("data_dir", None, "Generated data (default: a temporary directory).")
flags.DEFINE_string("mode", None, "Internal: the mode this process measures.")
FLAGS = flags.FLAGS
MODES = ("one_device_strategy", "default_strategy", "prepared_batches")


def measure(mode: str, data_dir: str) -> None:
    import tensorflow as tf

    from t2t_lite import runs
    from t2t_lite.hparams import get_hparams
    from t2t_lite.problems import get_problem
    from t2t_lite.training.optimizer import make_optimizer
    from t2t_lite.training.steps import TrainStep

    problem = get_problem("translate_ende_multi30k")
    vocab_size = problem.feature_vocabulary(data_dir)["targets"].vocab_size
    hparams = runs.with_problem_hparams(
        get_hparams("transformer_tiny", "batch_size=4096"), "b", vocab_size, vocab_size
    )
    strategy = (
        tf.distribute.OneDeviceStrategy("/cpu:0")
        if mode == "one_device_strategy"
        else tf.distribute.get_strategy()
    )
    with strategy.scope():
        model = runs.model_from_hparams(hparams)
        optimizer = make_optimizer(hparams)
        optimizer.build(model.trainable_variables)
    step = TrainStep(model, optimizer, strategy, hparams.label_smoothing)
    if mode == "prepared_batches":
        batches = list(problem.dataset("train", data_dir, hparams, seed=1).take(40))
        iterator = iter(batches * 2)
        call = lambda: step.on_batches(next(iterator))  # noqa: E731
    else:
        dataset_fn = lambda context: problem.dataset(
            "train", data_dir, hparams, seed=1, input_context=context
        )  # noqa: E731
        iterator = iter(strategy.distribute_datasets_from_function(dataset_fn))
        call = lambda: step(iterator)  # noqa: E731
    for _ in range(15):
        call()
    tokens, start, cpu = 0.0, time.perf_counter(), os.times()
    for _ in range(40):
        tokens += float(call()[1])
    seconds, cpu_after = time.perf_counter() - start, os.times()
    print(
        f"{mode:20s} {tokens / seconds:7.0f} target tokens/s  {seconds / 40 * 1000:5.0f} ms/step  "
        f"user {cpu_after.user - cpu.user:5.1f} s  system {cpu_after.system - cpu.system:5.1f} s",
        flush=True,
    )


def main(argv):
    del argv
    if FLAGS.mode:
        measure(FLAGS.mode, FLAGS.data_dir)
        return
    from t2t_lite.problems import get_problem

    data_dir = FLAGS.data_dir or tempfile.mkdtemp(prefix="t2t_bench_")
    get_problem("translate_ende_multi30k").generate_data(data_dir, FLAGS.tmp_dir, seed=1)
    for mode in MODES:
        subprocess.run(
            [sys.executable, __file__, f"--mode={mode}", f"--data_dir={data_dir}"], check=True
        )


if __name__ == "__main__":
    app.run(main)
