"""Decoding speed: cached vs uncached greedy search and beam 4, for transformer_small;
and the decoder-only model of the same size continuing prompts (one-pass prefill, then
greedy search or sampling).

    python bench/decode_speed.py --out=docs/bench_decode_speed.json
    python bench/decode_speed.py --sections=language_model   # that table alone, merged in

Random weights and inputs (24 ids, vocabulary 8,000, like Multi30k's subwords); EOS is
suppressed so that every sequence runs to the output length being measured. Each figure
is the median of `--repeats` timed runs after one warm-up run of the same traced
function. Writes JSON and a Markdown table (same name, `.md`).
"""

import json
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app, flags  # noqa: E402

flags.DEFINE_string("hparams_set", "transformer_small", "Model dimensions.")
flags.DEFINE_integer("vocab_size", 8000, "Input and target vocabulary size.")
flags.DEFINE_integer("input_length", 24, "Ids per input.")
flags.DEFINE_list("batch_sizes", ["1", "32"], "Batch sizes.")
flags.DEFINE_list("output_lengths", ["32", "64", "128"], "Output lengths.")
flags.DEFINE_integer("repeats", 3, "Timed repeats per figure.")
flags.DEFINE_integer("step_iterations", 200, "Calls per timing of one cached step.")
flags.DEFINE_string("out", "docs/bench_decode_speed.json", "Where the results are written.")
flags.DEFINE_list(
    "sections",
    ["translation", "language_model"],
    "What to time; a section left out keeps its figures from --out.",
)
flags.DEFINE_integer("prompt_length", 24, "Prompt ids of the language-model figures.")

LM_METHODS = (
    ("prefill only", ""),
    ("prefill + greedy", "sampling_method=argmax"),
    ("prefill + greedy XLA", "sampling_method=argmax"),
    ("prefill + sampling", "sampling_method=random,sampling_temp=0.8,sampling_keep_top_k=40"),
    ("prefill + sampling XLA", "sampling_method=random,sampling_temp=0.8,sampling_keep_top_k=40"),
    ("prefill + nucleus XLA", "sampling_method=random,sampling_temp=0.8,sampling_keep_top_p=0.9"),
)
FLAGS = flags.FLAGS

METHODS = (
    "greedy cached",
    "greedy cached XLA",
    "greedy uncached",
    "beam 4 cached",
    "beam 4 cached XLA",
)
PEER_METHODS = ("keras-hub greedy", "keras-hub greedy XLA")
flags.DEFINE_bool(
    "keras_hub",
    True,
    "Also time keras-hub's GreedySampler on its decoder of the same size "
    "(bench/peers/keras_hub_transformer.py; needs the bench extra).",
)


def main(argv):
    import numpy as np
    import tensorflow as tf

    previous = {}
    if os.path.exists(FLAGS.out):
        with open(FLAGS.out) as f:
            previous = json.load(f)
    result = dict(
        hparams_set=FLAGS.hparams_set,
        vocab_size=FLAGS.vocab_size,
        input_length=FLAGS.input_length,
        machine=dict(
            platform=platform.platform(), processor=platform.processor(), cpus=os.cpu_count()
        ),
        tensorflow=tf.__version__,
    )
    if "translation" in FLAGS.sections:
        result.update(translation_figures(np, tf))
    else:
        result.update({k: previous[k] for k in ("searches", "cached_step") if k in previous})
    if "language_model" in FLAGS.sections:
        result["language_model"] = language_model_figures(np, tf)
    elif "language_model" in previous:
        result["language_model"] = previous["language_model"]
    with open(FLAGS.out, "w") as f:
        json.dump(result, f, indent=2)
    with open(os.path.splitext(FLAGS.out)[0] + ".md", "w") as f:
        f.write(markdown(result))
    print(f"wrote {FLAGS.out}")


def timed(fn, *args) -> tuple[float, list[float]]:
    """Median and spread of `FLAGS.repeats` calls after one warm-up call."""
    import tensorflow as tf

    tf.nest.flatten(fn(*args))[0].numpy()
    times = []
    for _ in range(FLAGS.repeats):
        start = time.perf_counter()
        tf.nest.flatten(fn(*args))[0].numpy()
        times.append(time.perf_counter() - start)
    return statistics.median(times), [min(times), max(times)]


def language_model_figures(np, tf) -> dict:
    """The decoder-only model of --hparams_set's size: prompts of --prompt_length ids
    prefilled in one pass, then --output_lengths new ids by greedy search or sampling
    (EOS's softmax row is zeroed so that random weights rarely end a row early)."""
    from t2t_lite import decoding, models, runs
    from t2t_lite.hparams import get_hparams

    hparams = runs.with_problem_hparams(
        get_hparams(FLAGS.hparams_set), "bench", 0, FLAGS.vocab_size, has_inputs=False
    )
    model = runs.model_from_hparams(hparams)
    table = model.softmax.embeddings
    table.assign(tf.tensor_scatter_nd_update(table, [[models.EOS_ID]], [tf.zeros(table.shape[1])]))
    rng = np.random.default_rng(1)
    rows = []
    for batch_size in map(int, FLAGS.batch_sizes):
        prompts = rng.integers(2, FLAGS.vocab_size, size=(batch_size, FLAGS.prompt_length))
        prompts = tf.constant(prompts, tf.int32)
        for length in map(int, FLAGS.output_lengths):
            for method, settings in LM_METHODS:
                if method == "prefill only":
                    if length != int(FLAGS.output_lengths[0]):
                        continue
                    fn = tf.function(lambda p, n=length: model.begin_decode(p, n)[1][-1]["value"])
                else:
                    hp = decoding.decode_hparams(
                        f"beam_size=1,extra_length={length},sampling_seed=1,{settings}"
                    )
                    strategy = decoding.strategy_from_decode_hparams(hp)
                    fn = decoding.IdDecoder(model, strategy, jit_compile="XLA" in method)._decode
                seconds, spread = timed(fn, prompts)
                new = 0 if method == "prefill only" else length
                row = dict(
                    method=method,
                    batch_size=batch_size,
                    prompt_length=FLAGS.prompt_length,
                    output_length=new,
                    seconds=seconds,
                    spread=spread,
                    new_tokens_per_s=batch_size * new / seconds,
                )
                rows.append(row)
                print(
                    f"LM {method:24s} batch {batch_size:3d} new {new:4d}: {seconds:8.3f} s "
                    f"{row['new_tokens_per_s']:9.1f} new tok/s",
                    flush=True,
                )
    return dict(prompt_length=FLAGS.prompt_length, rows=rows)


def translation_figures(np, tf) -> dict:
    from t2t_lite import decoding, models, runs
    from t2t_lite.hparams import get_hparams

    hparams = runs.with_problem_hparams(
        get_hparams(FLAGS.hparams_set), "bench", FLAGS.vocab_size, FLAGS.vocab_size
    )
    model = runs.model_from_hparams(hparams)
    eos = models.EOS_ID

    def without_eos(step):
        def wrapped(ids, position, state):
            logits, state = step(ids, position, state)
            return logits + tf.one_hot(eos, FLAGS.vocab_size, on_value=-1e9), state

        return wrapped

    peer = None
    if FLAGS.keras_hub:
        sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        from bench.peers.dims import TransformerDims
        from bench.peers.keras_hub_transformer import KerasHubTransformer, keras_hub_greedy_fn

        peer = KerasHubTransformer(TransformerDims.from_hparams(hparams, FLAGS.vocab_size))
        peer(tf.ones([1, 2], tf.int64), tf.ones([1, 2], tf.int64))

    def search_fn(method: str, length: int):
        if method.startswith("keras-hub"):
            return keras_hub_greedy_fn(peer, length, jit_compile="XLA" in method)
        beam = 4 if method.startswith("beam") else 1
        make_step = decoding.uncached_step_fn if "uncached" in method else decoding.cached_step_fn

        @tf.function(
            input_signature=[tf.TensorSpec([None, None], tf.int32)], jit_compile="XLA" in method
        )
        def search(inputs):
            batch = tf.shape(inputs)[0]
            encoder_output, bias = model.encode(inputs, training=False)
            if beam == 1:
                step, state = make_step(model, encoder_output, bias, length)
                return decoding.greedy_search(without_eos(step), state, batch, length, eos)
            encoder_output = tf.repeat(encoder_output, beam, axis=0)
            bias = tf.repeat(bias, beam, axis=0)
            step, state = make_step(model, encoder_output, bias, length)
            return decoding.beam_search(without_eos(step), state, batch, beam, length, 0.6, eos)

        return search

    rng = np.random.default_rng(0)
    rows = []
    for batch_size in map(int, FLAGS.batch_sizes):
        inputs = rng.integers(2, FLAGS.vocab_size, size=(batch_size, FLAGS.input_length)).astype(
            np.int32
        )
        inputs[:, -1] = eos
        for length in map(int, FLAGS.output_lengths):
            for method in METHODS + (PEER_METHODS if peer is not None else ()):
                search = search_fn(method, length)
                ids = tf.nest.flatten(search(inputs))[0]  # trace and warm up
                assert ids.shape[-1] == length, f"{method}: {ids.shape[-1]} ids, expected {length}"
                if peer is None or not method.startswith("keras-hub"):
                    assert np.all(ids.numpy() != 0), "EOS should be suppressed"
                times = []
                for _ in range(FLAGS.repeats):
                    start = time.perf_counter()
                    tf.nest.flatten(search(inputs))[0].numpy()
                    times.append(time.perf_counter() - start)
                seconds = statistics.median(times)
                row = dict(
                    method=method,
                    batch_size=batch_size,
                    output_length=length,
                    seconds=seconds,
                    spread=[min(times), max(times)],
                    sentences_per_s=batch_size / seconds,
                    target_tokens_per_s=batch_size * length / seconds,
                )
                rows.append(row)
                print(
                    f"{method:18s} batch {batch_size:3d} length {length:4d}: {seconds:8.3f} s  "
                    f"{row['sentences_per_s']:8.2f} sent/s  {row['target_tokens_per_s']:9.1f} "
                    "tok/s",
                    flush=True,
                )

    return dict(searches=rows, cached_step=cached_step_times(model, tf, np, rng))


def traced_step(model, memory, tf):
    """`model.decode_step` traced once with `memory` (the encoder output) bound."""
    return tf.function(lambda ids, position, cache: model.decode_step(ids, position, cache, memory))


def cached_step_times(model, tf, np, rng):
    """Median seconds of one cached decoder step at positions 8 and 120 (cache of 128)."""
    rows = []
    for batch_size in map(int, FLAGS.batch_sizes):
        inputs = tf.constant(
            rng.integers(2, FLAGS.vocab_size, size=(batch_size, FLAGS.input_length)), tf.int32
        )
        encoder_output, bias = model.encode(inputs, training=False)
        memory = model.decode_memory(encoder_output, bias)
        cache = model.init_decode_cache(batch_size, 128)
        step = traced_step(model, memory, tf)
        ids = tf.fill([batch_size, 1], 5)
        for position in (8, 120):
            position = tf.constant(position)
            step(ids, position, cache)  # trace once; the position is a tensor, so no retrace
            times = []
            for _ in range(5):
                start = time.perf_counter()
                for _ in range(FLAGS.step_iterations):
                    logits, _ = step(ids, position, cache)
                logits.numpy()
                times.append((time.perf_counter() - start) / FLAGS.step_iterations)
            rows.append(
                dict(
                    batch_size=batch_size,
                    position=int(position),
                    milliseconds=1e3 * statistics.median(times),
                )
            )
            print(
                f"cached step batch {batch_size} position {int(position)}: "
                f"{rows[-1]['milliseconds']:.2f} ms",
                flush=True,
            )
    return rows


def markdown(result) -> str:
    lines = [
        f"Decoding speed, {result['hparams_set']} (random weights), vocabulary "
        f"{result['vocab_size']}, "
        f"inputs of {result['input_length']} ids, {result['machine']['cpus']} CPUs, TensorFlow "
        f"{result['tensorflow']}.",
        "",
        "| method | batch | output length | seconds | sentences/s | target tokens/s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in result["searches"]:
        lines.append(
            f"| {r['method']} | {r['batch_size']} | {r['output_length']} | {r['seconds']:.3f} | "
            f"{r['sentences_per_s']:.2f} | {r['target_tokens_per_s']:.0f} |"
        )
    lines += ["", "| one cached step | batch | position | ms |", "|---|---:|---:|---:|"]
    for r in result["cached_step"]:
        lines.append(
            f"| cache of 128 | {r['batch_size']} | {r['position']} | {r['milliseconds']:.2f} |"
        )
    if "language_model" in result:
        lm = result["language_model"]
        lines += [
            "",
            f"The decoder-only model of the same size (random weights), prompts of "
            f"{lm['prompt_length']} ids prefilled in one pass; sampling at temperature 0.8 with "
            "top-k 40 (nucleus: top-p 0.9); median of the timed runs, [min, max]:",
            "",
            "| language model | batch | new ids | seconds [min, max] | new tokens/s |",
            "|---|---:|---:|---:|---:|",
        ]
        for r in lm["rows"]:
            lines.append(
                f"| {r['method']} | {r['batch_size']} | {r['output_length']} | "
                f"{r['seconds']:.3f} [{r['spread'][0]:.3f}, {r['spread'][1]:.3f}] | "
                f"{r['new_tokens_per_s']:.0f} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    app.run(main)
