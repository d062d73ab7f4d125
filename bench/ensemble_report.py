"""sacreBLEU of bench/ensemble_multi30k.sh's test translations (each run alone, each
run's checkpoint average, and the ensembles), written to a JSON file."""

import os
import platform

import sacrebleu
from absl import app, flags
from results_file import write_json

flags.DEFINE_string("work", None, "The script's WORK directory.")
flags.DEFINE_string("references", None, "test_2016_flickr.de, raw.")
flags.DEFINE_integer("steps", None, "Training steps of each run.")
flags.DEFINE_integer("train_seconds", None, "Wall-clock seconds of both trainings.")
flags.DEFINE_string("decode_hparams", None, "The decoding settings.")
flags.DEFINE_string("out", None, "The JSON file to write.")
FLAGS = flags.FLAGS

NAMES = ("seed1", "seed2", "ensemble", "seed1_averaged", "seed2_averaged", "ensemble_averaged")


def main(argv):
    del argv
    with open(FLAGS.references, encoding="utf-8") as f:
        references = f.read().splitlines()
    seconds = {}
    with open(os.path.join(FLAGS.work, "decode_seconds.txt"), encoding="utf-8") as f:
        for line in f:
            name, value = line.split()
            seconds[name] = int(value)
    scores = {}
    for name in NAMES:
        with open(os.path.join(FLAGS.work, f"{name}.hyp"), encoding="utf-8") as f:
            hypotheses = f.read().splitlines()
        metric = sacrebleu.BLEU()
        bleu = metric.corpus_score(hypotheses, [references])
        scores[name] = {"bleu": round(bleu.score, 2), "decode_seconds": seconds.get(name)}
        signature = str(metric.get_signature())
        print(f"{name}: {bleu.score:.2f}")
    write_json(
        FLAGS.out,
        {
            "what": "Multi30k en->de test_2016_flickr, sacreBLEU (cased, detokenized)",
            "recipe": f"configs/multi30k_cpu.cfg model, {FLAGS.steps} steps per seed, seeds 1, 2",
            "decode_hparams": FLAGS.decode_hparams,
            "train_seconds_both": FLAGS.train_seconds,
            "sacrebleu_signature": signature,
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            "scores": scores,
        },
    )


if __name__ == "__main__":
    flags.mark_flags_as_required(["work", "references", "steps", "out"])
    app.run(main)
