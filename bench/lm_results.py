r"""The language model's dev perplexity beside an interpolated Kneser-Ney trigram on the
same subword ids, and samples at two temperatures (docs/results.md quotes the output).

    t2t-trainer --flagfile=configs/lm_multi30k_cpu.cfg --tmp_dir=../shared/data/multi30k
    python bench/lm_results.py --data_dir=t2t_work/lm_multi30k/data \
      --output_dir=t2t_work/lm_multi30k/run

Both models are scored on every dev token, each sentence's EOS included, in nats; the
perplexity is exp of the mean. The trigram model is fitted on the train split's ids:
interpolated Kneser-Ney (Chen & Goodman 1998) with one discount per order,
D = n1 / (n1 + 2 n2), continuation counts for the lower orders, and a uniform
distribution over the vocabulary below the unigram level, so no id has probability 0.
"""

import collections
import json
import math
import os
import platform
import time

from absl import app, flags

flags.DEFINE_string("data_dir", None, "The run's data_dir (languagemodel_multi30k_en files).")
flags.DEFINE_string("output_dir", None, "The trained language model's t2t-trainer --output_dir.")
flags.DEFINE_string("results", "docs/results_lm", "Writes <results>.json and <results>.md.")
flags.DEFINE_integer("num_samples", 5, "Samples per temperature.", lower_bound=1)
FLAGS = flags.FLAGS

BOS = -1  # the trigram model's sentence start (not an id of the vocabulary)
TEMPERATURES = (0.7, 1.0)


class KneserNeyTrigram:
    """Interpolated Kneser-Ney over id sequences (each ending in EOS)."""

    def __init__(self, sentences, vocab_size: int):
        self.vocab_size = vocab_size
        self.trigrams = collections.Counter()
        for ids in sentences:
            padded = [BOS, BOS] + list(ids)
            for i in range(2, len(padded)):
                self.trigrams[tuple(padded[i - 2 : i + 1])] += 1
        # Continuation counts: how many distinct left contexts precede an n-gram.
        self.bigram_continuations = collections.Counter(t[1:] for t in self.trigrams)
        self.unigram_continuations = collections.Counter(b[1:] for b in self.bigram_continuations)
        self.discounts = [
            self._discount(c)
            for c in (self.unigram_continuations, self.bigram_continuations, self.trigrams)
        ]
        self.context_totals = {
            order: self._totals(counts, order)
            for order, counts in ((3, self.trigrams), (2, self.bigram_continuations))
        }
        self.unigram_total = sum(self.unigram_continuations.values())

    @staticmethod
    def _discount(counts) -> float:
        n1 = sum(1 for c in counts.values() if c == 1)
        n2 = sum(1 for c in counts.values() if c == 2)
        return n1 / (n1 + 2 * n2) if n1 + n2 else 0.5

    @staticmethod
    def _totals(counts, order):
        """context -> (sum of counts, number of distinct followers)."""
        totals = collections.defaultdict(lambda: [0, 0])
        for gram, count in counts.items():
            entry = totals[gram[: order - 1]]
            entry[0] += count
            entry[1] += 1
        return dict(totals)

    def _unigram(self, token) -> float:
        d = self.discounts[0]
        count = self.unigram_continuations.get((token,), 0)
        types = len(self.unigram_continuations)
        backoff = d * types / self.unigram_total
        return max(count - d, 0) / self.unigram_total + backoff / self.vocab_size

    def _level(self, order, counts, context, token, lower) -> float:
        total = self.context_totals[order].get(context)
        if total is None:
            return lower
        d = self.discounts[order - 1]
        count = counts.get(context + (token,), 0)
        return (max(count - d, 0) + d * total[1] * lower) / total[0]

    def probability(self, w1, w2, token) -> float:
        p = self._unigram(token)
        p = self._level(2, self.bigram_continuations, (w2,), token, p)
        return self._level(3, self.trigrams, (w1, w2), token, p)

    def log_likelihood(self, sentences) -> tuple[float, int]:
        total, tokens = 0.0, 0
        for ids in sentences:
            padded = [BOS, BOS] + list(ids)
            for i in range(2, len(padded)):
                total += math.log(self.probability(padded[i - 2], padded[i - 1], padded[i]))
                tokens += 1
        return total, tokens


def transformer_dev_metrics(output_dir: str, data_dir: str) -> dict:
    import tensorflow as tf

    from t2t_lite import runs
    from t2t_lite.training.metrics import METRIC_SUM_NAMES, finish_metrics
    from t2t_lite.training.steps import EvalStep

    run = runs.open_trained_run(output_dir, data_dir)
    step = EvalStep(run.model, run.hparams.label_smoothing)
    sums = {name: 0.0 for name in METRIC_SUM_NAMES}
    for batch in run.problem.dataset("eval", data_dir, run.hparams):
        for name, value in step(batch).items():
            sums[name] += float(value)
    metrics = finish_metrics({k: tf.constant(v) for k, v in sums.items()})
    return {**metrics, "tokens": int(sums["tokens"]), "checkpoint": run.checkpoint}, run


def samples(run, temperature: float, count: int) -> list[str]:
    from t2t_lite import decoding

    hparams = decoding.decode_hparams(
        f"beam_size=1,sampling_method=random,sampling_temp={temperature},"
        f"sampling_seed=1,samples_per_input={count},extra_length=40"
    )
    decoder = decoding.IdDecoder(run.model, decoding.strategy_from_decode_hparams(hparams))
    (line,) = decoding.decode_lines(
        decoder, [""], run.vocabulary, run.model.decode_input, run.hparams.max_length, 1
    )
    return line.split("\t")


def main(argv):
    del argv
    from t2t_lite.problems import DEV, TRAIN

    start = time.monotonic()
    metrics, run = transformer_dev_metrics(FLAGS.output_dir, FLAGS.data_dir)
    train = [ids for (ids,) in run.problem.read_examples(FLAGS.data_dir, TRAIN)]
    dev = [ids for (ids,) in run.problem.read_examples(FLAGS.data_dir, DEV)]
    trigram = KneserNeyTrigram(train, run.hparams.target_vocab_size)
    log_likelihood, tokens = trigram.log_likelihood(dev)
    assert tokens == metrics["tokens"], (tokens, metrics["tokens"])
    drawn = {t: samples(run, t, FLAGS.num_samples) for t in TEMPERATURES}
    with open(os.path.join(FLAGS.output_dir, "hparams.json")) as f:
        hparams = json.load(f)
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "checkpoint": metrics["checkpoint"],
        "hparams_set": hparams["hparams_set"],
        "dev_tokens": tokens,
        "transformer_dev_perplexity": metrics["perplexity"],
        "transformer_dev_neg_log_perplexity": metrics["neg_log_perplexity"],
        "kneser_ney_trigram_dev_perplexity": math.exp(-log_likelihood / tokens),
        "kneser_ney_discounts": trigram.discounts,
        "train_sentences": len(train),
        "samples": {str(t): s for t, s in drawn.items()},
        "seconds": round(time.monotonic() - start, 1),
    }
    with open(FLAGS.results + ".json", "w") as f:
        json.dump(result, f, indent=2, ensure_ascii=False)
        f.write("\n")
    lines = [
        "| model | dev perplexity (EOS counted) |",
        "|---|---|",
        f"| interpolated Kneser-Ney trigram | {result['kneser_ney_trigram_dev_perplexity']:.2f} |",
        f"| t2t_lite decoder-only Transformer | {result['transformer_dev_perplexity']:.2f} |",
        "",
        f"{tokens} dev tokens; checkpoint `{os.path.basename(result['checkpoint'])}`.",
        "",
    ]
    for temperature, texts in drawn.items():
        lines += [f"Unconditional samples, `sampling_temp={temperature}`, `sampling_seed=1`:", ""]
        lines += [f"- {text}" for text in texts] + [""]
    with open(FLAGS.results + ".md", "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    flags.mark_flags_as_required(["data_dir", "output_dir"])
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    app.run(main)
