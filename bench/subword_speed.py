r"""Encoding and decoding speed of T2T's SubwordTextEncoder (in-graph, t2t_lite's
`subwords` vocabulary type) against sentencepiece (t2t_lite's default, in-graph through
tensorflow-text) on Multi30k, in the same process.

    python bench/subword_speed.py --tmp_dir=../shared/data/multi30k \
      --vocab=../shared/data/t2t/vocab.translate_ende_wmt8k.8192.subwords

The sentencepiece model is trained here on the same sentences with the same vocabulary
size. Writes docs/bench_subwords.json (median and range of --repeats passes).
"""

import gzip
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app, flags  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench.results_file import write_json  # noqa: E402

flags.DEFINE_string("tmp_dir", "../shared/data/multi30k", "Raw Multi30k files.")
flags.DEFINE_string(
    "vocab",
    "../shared/data/t2t/vocab.translate_ende_wmt8k.8192.subwords",
    "A T2T SubwordTextEncoder file.",
)
flags.DEFINE_integer("sentences", 20000, "Train sentences (English and German alike).")
flags.DEFINE_integer("batch_size", 1024, "Sentences per encode/decode call.")
flags.DEFINE_integer("repeats", 5, "Timed passes over the sentences.")
flags.DEFINE_string("out", "docs/bench_subwords.json", "Where the results go.")
FLAGS = flags.FLAGS


def read_sentences(tmp_dir: str, count: int) -> list[str]:
    lines = []
    for lang in ("en", "de"):
        with gzip.open(os.path.join(tmp_dir, f"train.{lang}.gz"), "rt", encoding="utf-8") as f:
            lines += [line.rstrip("\n") for _, line in zip(range(count // 2), f, strict=False)]
    return lines


def timed(fn, batches, repeats: int) -> list[float]:
    fn(batches[0])  # warm-up: traces the function
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        for batch in batches:
            fn(batch)
        seconds.append(time.perf_counter() - start)
    return seconds


def main(argv):
    del argv
    import tensorflow as tf

    from t2t_lite.problems import SubwordVocabulary, T2TSubwordVocabulary

    sentences = read_sentences(FLAGS.tmp_dir, FLAGS.sentences)
    subwords = T2TSubwordVocabulary.load(FLAGS.vocab)
    sentencepiece = SubwordVocabulary(
        SubwordVocabulary.train(sentences, subwords.vocab_size, seed=1)
    )
    size = FLAGS.batch_size
    texts = [tf.constant(sentences[i : i + size]) for i in range(0, len(sentences), size)]
    result = {
        "what": "in-graph encode and decode of Multi30k train sentences (tf.function, CPU)",
        "sentences": len(sentences),
        "batch_size": size,
        "repeats": FLAGS.repeats,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "tensorflow": tf.__version__,
    }
    for name, vocab in (("t2t_subwords", subwords), ("sentencepiece", sentencepiece)):
        spec = tf.TensorSpec([None], tf.string)
        encode = tf.function(lambda t, v=vocab: v.tf_encode(t), input_signature=[spec])
        decode = tf.function(lambda ids, v=vocab: v.tf_decode(ids))
        ids = [encode(batch) for batch in texts]
        assert vocab.decode_batch(ids[0][:50].to_list()) == sentences[:50], name
        for step, fn, inputs in (("encode", encode, texts), ("decode", decode, ids)):
            rates = [len(sentences) / s for s in timed(fn, inputs, FLAGS.repeats)]
            result[f"{name}_{step}_sentences_per_s"] = {
                "median": statistics.median(rates),
                "min": min(rates),
                "max": max(rates),
            }
        result[f"{name}_ids_per_sentence"] = sum(
            int(b.row_lengths().numpy().sum()) for b in ids
        ) / len(sentences)
    for step in ("encode", "decode"):
        result[f"{step}_ratio_t2t_subwords_to_sentencepiece"] = (
            result[f"t2t_subwords_{step}_sentences_per_s"]["median"]
            / result[f"sentencepiece_{step}_sentences_per_s"]["median"]
        )
    write_json(FLAGS.out, result)
    print(result)


if __name__ == "__main__":
    app.run(main)
