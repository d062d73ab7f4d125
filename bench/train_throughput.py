"""Training throughput of t2t_lite against keras-hub and PyTorch, on Multi30k batches.

    pip install -e '.[bench]'
    python bench/train_throughput.py --tmp_dir=../shared/data/multi30k

The same model (pre-norm encoder-decoder, a source embedding, a target embedding tied to
the softmax, sinusoidal positions, dropout and label smoothing from the hparams set) is
built three ways (`bench/peers/`) and trained with Adam on the same batches: the first
`--batches` batches t2t_lite's input pipeline makes from translate_ende_multi30k train
(8k-piece sentencepiece vocabulary, `batch_size` tokens, bucketed by length). One pass
over them warms every implementation up (tracing, per-shape kernels); then the timed
passes alternate between implementations, `--repeats` times, so that all of them see the
machine in the same state. Throughput counts non-padding target tokens. FLOP/s counts the
matmuls of the padded batch (`TransformerDims.train_flops`) and is given as a fraction of
the best float32 matmul rate measured in the same run. Writes JSON and a Markdown table
(same name, `.md`).
"""

import contextlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from absl import app, flags  # noqa: E402

from bench.results_file import write_atomically  # noqa: E402

flags.DEFINE_string("tmp_dir", "../shared/data/multi30k", "Raw Multi30k files.")
flags.DEFINE_string("data_dir", None, "Generated data (default: a temporary directory).")
flags.DEFINE_list("hparams_sets", ["transformer_tiny", "transformer_small"], "Model sizes.")
flags.DEFINE_string("hparams", "batch_size=4096", "Overrides applied to every set.")
flags.DEFINE_list(
    "implementations", ["t2t_lite", "t2t_lite_xla", "keras_hub", "torch"], "What to time."
)
flags.DEFINE_integer("batches", 24, "Batches per timed pass.")
flags.DEFINE_integer("repeats", 5, "Timed passes per implementation.")
flags.DEFINE_string("out", "docs/bench_train_throughput.json", "Where the results are written.")
FLAGS = flags.FLAGS


def matmul_peak_flops(size: int = 2048, repeats: int = 10) -> float:
    """Best float32 FLOP/s of a `size`^3 tf.matmul on this machine."""
    import tensorflow as tf

    a = tf.random.normal([size, size])
    matmul = tf.function(lambda x: tf.matmul(x, x))
    matmul(a).numpy()
    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        matmul(a).numpy()
        best = max(best, 2 * size**3 / (time.perf_counter() - start))
    return best


def multi30k_batches(data_dir: str, tmp_dir: str, hparams, count: int):
    """The first `count` training batches as NumPy int64 arrays, and the vocabulary size."""
    from t2t_lite.problems import get_problem

    problem = get_problem("translate_ende_multi30k")
    problem.generate_data(data_dir, tmp_dir, seed=1)
    iterator = iter(problem.dataset("train", data_dir, hparams, seed=1))
    batches = [next(iterator) for _ in range(count)]
    vocab_size = problem.feature_vocabulary(data_dir)["targets"].vocab_size
    return [(b["inputs"].numpy(), b["targets"].numpy()) for b in batches], vocab_size


def make_trainer(name: str, hparams, dims):
    if name in ("t2t_lite", "t2t_lite_xla"):
        from bench.peers.t2t_lite_transformer import T2TLiteTrainer

        return T2TLiteTrainer(hparams, dims.vocab_size, jit_compile=name == "t2t_lite_xla")
    if name == "keras_hub":
        from bench.peers.keras_hub_transformer import KerasHubTrainer

        return KerasHubTrainer(dims)
    if name == "torch":
        from bench.peers.torch_transformer import TorchTrainer

        return TorchTrainer(dims)
    raise app.UsageError(f"--implementations: unknown {name!r}")


def timed_pass(trainer, batches) -> float:
    start = time.perf_counter()
    loss = None
    for inputs, targets in batches:
        loss = trainer.step(inputs, targets)
    trainer.sync(loss)
    return time.perf_counter() - start


def bench_size(hparams_set: str, peak: float) -> list[dict]:
    import numpy as np

    from bench.peers.dims import TransformerDims
    from t2t_lite.hparams import get_hparams

    hparams = get_hparams(hparams_set, FLAGS.hparams)
    data_dir = FLAGS.data_dir or tempfile.mkdtemp(prefix="t2t_bench_")
    batches, vocab_size = multi30k_batches(data_dir, FLAGS.tmp_dir, hparams, FLAGS.batches)
    dims = TransformerDims.from_hparams(hparams, vocab_size)
    tokens = sum(int(np.count_nonzero(t)) for _, t in batches)
    flops = sum(dims.train_flops(i.shape[0], i.shape[1], t.shape[1]) for i, t in batches)
    trainers = [make_trainer(name, hparams, dims) for name in FLAGS.implementations]
    for trainer in trainers:
        timed_pass(trainer, batches)  # warm-up
    seconds = {trainer.name: [] for trainer in trainers}
    for _ in range(FLAGS.repeats):
        for trainer in trainers:
            seconds[trainer.name].append(timed_pass(trainer, batches))
    rows = []
    for name, times in seconds.items():
        median = statistics.median(times)
        rows.append(
            {
                "hparams_set": hparams_set,
                "implementation": name,
                "target_tokens_per_s": tokens / median,
                "target_tokens_per_s_min": tokens / max(times),
                "target_tokens_per_s_max": tokens / min(times),
                "flops_per_s": flops / median,
                "fraction_of_matmul_peak": flops / median / peak,
                "seconds_per_pass": times,
            }
        )
    ours = next((r for r in rows if r["implementation"] == "t2t_lite"), None)
    for row in rows:
        if ours is not None:
            row["t2t_lite_over_this"] = ours["target_tokens_per_s"] / row["target_tokens_per_s"]
    print(json.dumps(rows, indent=2), flush=True)
    return rows


def markdown(result: dict) -> str:
    lines = [
        f"Training throughput on {result['machine']}, float32, Multi30k batches of "
        f"{result['batch_size_tokens']} tokens ({result['batches']} batches, "
        f"{result['repeats']} timed passes, median; range in brackets). "
        f"Matmul peak measured in the same run: {result['matmul_peak_gflops']:.0f} GFLOP/s.",
        "",
        "| model | implementation | target tokens/s | t2t_lite ÷ this | GFLOP/s | of matmul peak |",
        "|---|---|---|---|---|---|",
    ]
    for row in result["rows"]:
        lines.append(
            f"| {row['hparams_set']} | {row['implementation']} | {row['target_tokens_per_s']:,.0f} "
            f"({row['target_tokens_per_s_min']:,.0f}–{row['target_tokens_per_s_max']:,.0f}) | "
            f"{row.get('t2t_lite_over_this', float('nan')):.2f} | {row['flops_per_s'] / 1e9:.1f} | "
            f"{row['fraction_of_matmul_peak']:.0%} |"
        )
    lines += ["", f"Versions: {result['versions']}.", ""]
    return "\n".join(lines)


def main(argv):
    del argv
    import tensorflow as tf

    from t2t_lite.hparams import get_hparams

    peak = matmul_peak_flops()
    rows = []
    for hparams_set in FLAGS.hparams_sets:
        rows += bench_size(hparams_set, peak)
    versions = {"tensorflow": tf.__version__}
    for module in ("keras", "keras_hub", "torch"):
        with contextlib.suppress(ImportError):
            versions[module] = __import__(module).__version__
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "batch_size_tokens": get_hparams(FLAGS.hparams_sets[0], FLAGS.hparams).batch_size,
        "batches": FLAGS.batches,
        "repeats": FLAGS.repeats,
        "matmul_peak_gflops": peak / 1e9,
        "versions": ", ".join(f"{k} {v}" for k, v in versions.items()),
        "rows": rows,
    }
    write_atomically(FLAGS.out, json.dumps(result, indent=2) + "\n")
    write_atomically(os.path.splitext(FLAGS.out)[0] + ".md", markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    app.run(main)
