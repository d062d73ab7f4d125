"""Summary of one Multi30k recipe run (bench/multi30k.sh): test BLEU two ways, the dev loss
curve as a PNG, and the run's facts as JSON.

BLEU is computed twice on the same detokenized, cased translations:
- sacreBLEU's standard form (13a tokenization, cased), with its signature;
- the form of the published Multi30k numbers: hypotheses and references lowercased and
  Moses-tokenized (sacremoses), then sacreBLEU with `tokenize=none`.
"""

import glob
import json
import os
import platform
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app, flags  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench.results_file import write_json  # noqa: E402

flags.DEFINE_string("run_dir", None, "The t2t-trainer --output_dir.")
flags.DEFINE_string("config", None, "The flagfile the run was trained with.")
flags.DEFINE_string("hypotheses", None, "Translations of test_2016_flickr, one per line.")
flags.DEFINE_string("references", None, "The references, one per line.")
flags.DEFINE_string("target_language", "de", "Language of the references (for Moses tokenization).")
flags.DEFINE_integer("train_seconds", 0, "Wall-clock seconds of training.")
flags.DEFINE_integer("decode_seconds", 0, "Wall-clock seconds of decoding the test set.")
flags.DEFINE_integer("averaged", 0, "Checkpoints averaged before decoding.")
flags.DEFINE_string("decode_hparams", "", "Decode hparams used.")
flags.DEFINE_string("out", None, "The JSON summary.")
flags.DEFINE_string("plot", None, "The dev loss PNG.")
for required in ("run_dir", "hypotheses", "references", "out", "plot"):
    flags.mark_flag_as_required(required)
FLAGS = flags.FLAGS


def scalar_events(event_dir: str) -> dict[str, list[tuple[int, float, float]]]:
    """`{tag: [(step, value, wall_time), ...]}` from a TensorBoard event directory."""
    import tensorflow as tf

    series: dict[str, list] = {}
    for path in sorted(glob.glob(os.path.join(event_dir, "events.out.tfevents.*"))):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                number = (
                    float(tf.make_ndarray(value.tensor))
                    if value.HasField("tensor")
                    else value.simple_value
                )
                series.setdefault(value.tag, []).append((event.step, number, event.wall_time))
    return {tag: sorted(points) for tag, points in series.items()}


def bleu_two_ways(hypotheses: list[str], references: list[str], language: str) -> dict:
    import sacrebleu
    from sacremoses import MosesTokenizer

    standard = sacrebleu.metrics.BLEU()
    standard_score = standard.corpus_score(hypotheses, [references])
    moses = MosesTokenizer(lang=language)

    def tokenized(lines):
        return [moses.tokenize(line.lower(), return_str=True, escape=False) for line in lines]

    # force: the text is tokenized on purpose, so sacreBLEU need not warn that it looks it.
    published = sacrebleu.metrics.BLEU(tokenize="none", force=True)
    published_score = published.corpus_score(tokenized(hypotheses), [tokenized(references)])
    return {
        "sacrebleu_cased_detokenized": round(standard_score.score, 2),
        "sacrebleu_signature": str(standard.get_signature()),
        "lowercased_moses_tokenized": round(published_score.score, 2),
        "lowercased_moses_tokenized_signature": str(published.get_signature()) + "+sacremoses-lc",
    }


def plot_losses(train: list, dev: list, title: str, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4))
    axes.plot([p[0] for p in train], [p[1] for p in train], label="train loss", alpha=0.6)
    axes.plot([p[0] for p in dev], [p[1] for p in dev], "o-", label="dev loss")
    axes.set_xlabel("step")
    axes.set_ylabel("label-smoothed cross-entropy")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    figure.savefig(path + ".tmp.png", dpi=100)
    os.replace(path + ".tmp.png", path)


def read_lines(path: str) -> list[str]:
    with open(path, encoding="utf-8") as f:
        return f.read().split("\n")[:-1] if os.path.getsize(path) else []


def main(argv):
    del argv
    import tensorflow as tf

    hypotheses, references = read_lines(FLAGS.hypotheses), read_lines(FLAGS.references)
    if len(hypotheses) != len(references):
        raise app.UsageError(
            f"--hypotheses has {len(hypotheses)} lines, --references {len(references)}"
        )
    with open(os.path.join(FLAGS.run_dir, "hparams.json"), encoding="utf-8") as f:
        hparams = json.load(f)
    train, dev = (
        scalar_events(os.path.join(FLAGS.run_dir, "train")),
        scalar_events(os.path.join(FLAGS.run_dir, "eval")),
    )
    plot_losses(
        train.get("loss", []), dev.get("loss", []), f"{hparams['problem']}: loss", FLAGS.plot
    )
    final_dev = {tag: points[-1][1] for tag, points in dev.items()}
    result = {
        "problem": hparams["problem"],
        "config": FLAGS.config,
        "hparams": {
            k: hparams[k]
            for k in (
                "hidden_size",
                "filter_size",
                "num_heads",
                "num_hidden_layers",
                "batch_size",
                "layer_prepostprocess_dropout",
                "learning_rate_warmup_steps",
            )
        },
        "steps": dev["loss"][-1][0] if "loss" in dev else None,
        "train_seconds": FLAGS.train_seconds,
        "decode_seconds": FLAGS.decode_seconds,
        "checkpoints_averaged": FLAGS.averaged,
        "decode_hparams": FLAGS.decode_hparams,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
        f"{len(tf.config.list_physical_devices('GPU'))} GPUs",
        "tensorflow": tf.__version__,
        "final_dev": final_dev,
        "dev_loss_curve": [(step, round(value, 4)) for step, value, _ in dev.get("loss", [])],
        "test_sentences": len(references),
        "test_bleu": bleu_two_ways(hypotheses, references, FLAGS.target_language),
        "plot": FLAGS.plot,
    }
    write_json(FLAGS.out, result)
    print(json.dumps(result["test_bleu"], indent=2))


if __name__ == "__main__":
    app.run(main)
