"""Per-request latency of an exported model, loaded in-process with tf.saved_model.load.

    python bench/serving_latency.py --tmp_dir=../shared/data/multi30k \
        --out=docs/bench_serving_latency.json

transformer_small with random weights and a sentencepiece vocabulary of 8,000 trained on
Multi30k's English and German train text; requests are Multi30k val English sentences.
With random weights the search rarely ends early, so each sentence decodes about
`input_length + extra_length` ids (extra_length=10, close to a trained model's output
length on Multi30k). Writes JSON and a Markdown table (same name, `.md`).
"""

import json
import os
import platform
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app, flags  # noqa: E402

flags.DEFINE_string("tmp_dir", "../shared/data/multi30k", "Raw Multi30k files.")
flags.DEFINE_string("hparams_set", "transformer_small", "Model dimensions.")
flags.DEFINE_integer("vocab_size", 8000, "Sentencepiece vocabulary size.")
flags.DEFINE_integer("extra_length", 10, "Decoded ids beyond the input length.")
flags.DEFINE_integer("requests", 50, "Timed requests per setting.")
flags.DEFINE_string("out", "docs/bench_serving_latency.json", "Where the results are written.")
FLAGS = flags.FLAGS


def main(argv):
    import numpy as np
    import tensorflow as tf

    from t2t_lite import decoding, export, runs
    from t2t_lite.hparams import get_hparams
    from t2t_lite.problems.text_files import read_parallel
    from t2t_lite.problems.vocabulary import SubwordVocabulary, train_subword_model

    train = read_parallel(
        *(os.path.join(FLAGS.tmp_dir, f"train.{lang}.gz") for lang in ("en", "de"))
    )
    val = [
        en
        for en, _ in read_parallel(
            *(os.path.join(FLAGS.tmp_dir, f"val.{lang}.gz") for lang in ("en", "de"))
        )
    ]
    vocab = SubwordVocabulary(
        train_subword_model((s for pair in train for s in pair), FLAGS.vocab_size)
    )
    hparams = runs.with_problem_hparams(
        get_hparams(FLAGS.hparams_set), "bench", vocab.vocab_size, vocab.vocab_size
    )
    model = runs.model_from_hparams(hparams)
    rng = np.random.default_rng(0)
    rows = []
    with tempfile.TemporaryDirectory() as export_dir:
        for beam_size in (1, 4):
            module = export.TextGenerationModule(
                model,
                {"inputs": vocab, "targets": vocab},
                max_length=hparams.max_length,
                strategy=decoding.strategy_from_decode_hparams(
                    decoding.decode_hparams(
                        f"beam_size={beam_size},extra_length={FLAGS.extra_length}"
                    )
                ),
            )
            path = export.export_versioned(module, module.signatures(), export_dir)
            serve = tf.saved_model.load(path).signatures["serving_default"]
            for batch_size in (1, 32):
                batches = [list(rng.choice(val, size=batch_size)) for _ in range(FLAGS.requests)]
                serve(inputs=tf.constant(batches[0]))  # warm-up
                latencies = []
                for batch in batches:
                    start = time.perf_counter()
                    serve(inputs=tf.constant(batch))["outputs"].numpy()
                    latencies.append(time.perf_counter() - start)
                row = dict(
                    search="greedy" if beam_size == 1 else f"beam {beam_size}",
                    batch_size=batch_size,
                    requests=len(latencies),
                    p50_ms=1e3 * float(np.percentile(latencies, 50)),
                    p99_ms=1e3 * float(np.percentile(latencies, 99)),
                    mean_ms=1e3 * statistics.mean(latencies),
                )
                rows.append(row)
                print(
                    f"{row['search']:7s} batch {batch_size:2d}: p50 {row['p50_ms']:8.1f} ms  p99 "
                    f"{row['p99_ms']:8.1f} ms",
                    flush=True,
                )
    result = dict(
        hparams_set=FLAGS.hparams_set,
        vocab_size=vocab.vocab_size,
        extra_length=FLAGS.extra_length,
        machine=dict(platform=platform.platform(), cpus=os.cpu_count()),
        tensorflow=tf.__version__,
        rows=rows,
    )
    with open(FLAGS.out, "w") as f:
        json.dump(result, f, indent=2)
    lines = [
        f"Served latency per request, {result['hparams_set']} (random weights), sentencepiece "
        "vocabulary "
        f"{result['vocab_size']}, Multi30k val sentences, extra_length={result['extra_length']}, "
        f"{result['machine']['cpus']} CPUs, TensorFlow {result['tensorflow']}, "
        "tf.saved_model.load in-process.",
        "",
        "| search | batch | requests | p50 ms | p99 ms | mean ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['search']} | {r['batch_size']} | {r['requests']} | {r['p50_ms']:.1f} | "
            f"{r['p99_ms']:.1f} | {r['mean_ms']:.1f} |"
        )
    with open(os.path.splitext(FLAGS.out)[0] + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {FLAGS.out}")


if __name__ == "__main__":
    app.run(main)
