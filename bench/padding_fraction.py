"""How much of t2t_lite's training batches is padding: one pass over Multi30k train as
the input pipeline batches it (length buckets, `batch_size` tokens), per hparams set, and
the speed-up ceiling that computing only the real tokens would give, 1 / (1 - fraction)
(issue 28's first measurement, before packing or pad removal).

    python bench/padding_fraction.py --data_dir=t2t_work/multi30k_cpu/data

Counts the positions of each `[batch, length]` array: inputs and targets separately, and
together (the encoder works on the first, the decoder on the second). Writes JSON and a
Markdown table (same name, `.md`).
"""

import os
import platform
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from absl import app, flags  # noqa: E402

from bench.results_file import write_atomically  # noqa: E402

flags.DEFINE_string("tmp_dir", "../shared/data/multi30k", "Raw Multi30k files.")
flags.DEFINE_string("data_dir", None, "Generated translate_ende_multi30k data (made if missing).")
flags.DEFINE_list("hparams_sets", ["transformer_tiny", "transformer_small"], "Batchings to count.")
flags.DEFINE_string("hparams", "batch_size=4096,max_length=100", "Overrides of every set.")
flags.DEFINE_string("out", "docs/bench_padding.json", "Where the results are written.")
FLAGS = flags.FLAGS


def count_padding(problem, data_dir: str, hparams, epoch_examples: int = 29_000) -> dict:
    import numpy as np

    totals = {"inputs": [0, 0], "targets": [0, 0]}  # [real tokens, positions]
    batches = examples = 0
    # The train pipeline repeats its split: one epoch's worth of examples is counted.
    for batch in problem.dataset("train", data_dir, hparams, seed=1):
        batches += 1
        examples += int(batch["targets"].shape[0])
        for feature, counts in totals.items():
            ids = batch[feature].numpy()
            counts[0] += int(np.count_nonzero(ids))
            counts[1] += ids.size
        if examples >= epoch_examples:
            break
    result = {"batches": batches, "examples": examples}
    for feature, (real, positions) in totals.items():
        result[feature] = {"real": real, "positions": positions, "padding": 1 - real / positions}
    real = sum(c[0] for c in totals.values())
    positions = sum(c[1] for c in totals.values())
    result["both"] = {"real": real, "positions": positions, "padding": 1 - real / positions}
    result["ceiling"] = positions / real
    return result


def main(argv):
    del argv
    import json

    from t2t_lite.hparams import get_hparams
    from t2t_lite.problems import get_problem
    from t2t_lite.runs import with_problem_hparams

    problem = get_problem("translate_ende_multi30k")
    data_dir = FLAGS.data_dir or "t2t_work/multi30k_cpu/data"
    if not problem.is_generated(data_dir):
        problem.generate_data(data_dir, FLAGS.tmp_dir, seed=1)
    vocab = problem.feature_vocabulary(data_dir)["targets"].vocab_size
    rows = {}
    for name in FLAGS.hparams_sets:
        hparams = with_problem_hparams(get_hparams(name, FLAGS.hparams), problem.name, vocab, vocab)
        rows[name] = count_padding(problem, data_dir, hparams)
    result = {
        "what": "padding in t2t_lite's Multi30k training batches (one epoch, length-bucketed)",
        "hparams": FLAGS.hparams,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "sets": rows,
    }
    write_atomically(FLAGS.out, json.dumps(result, indent=2) + "\n")
    lines = [
        "| set | batches | inputs padding | targets padding | both | ceiling 1/(1-f) |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in rows.items():
        lines.append(
            f"| {name} | {row['batches']} | {row['inputs']['padding']:.1%} | "
            f"{row['targets']['padding']:.1%} | {row['both']['padding']:.1%} | "
            f"{row['ceiling']:.3f}x |"
        )
    write_atomically(FLAGS.out.replace(".json", ".md"), "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    app.run(main)
