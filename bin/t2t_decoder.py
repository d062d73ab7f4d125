r"""t2t-decoder: decodes with a trained model (greedy, beam search or sampling, cached):
translates sources, or continues prompts with a language model.

    t2t-decoder --data_dir=~/t2t_data --output_dir=~/t2t_train/multi30k \
      --decode_hparams="beam_size=4,alpha=0.6" --decode_from_file=source.en
    t2t-decoder --output_dir=~/t2t_train/lm --data_dir=~/t2t_data --decode_from_file=prompts \
      --decode_hparams="beam_size=1,sampling_method=random,sampling_temp=0.8"

A language model's --decode_from_file holds prompts, one per line (an empty line is
unconditional), and the output holds each continuation without its prompt. Without
--decode_from_file or --decode_interactive a translation model decodes the dev split.
"""

import os
import sys

from absl import app, flags, logging

from t2t_lite_bin import cli, t2t_flags

cli.quiet_tensorflow()

flags.DEFINE_string(
    "problem", None, "Problem name (default: the one in --output_dir's hparams.json)."
)
flags.DEFINE_string(
    "model", None, "For T2T compatibility: must name the run's model (hparams.json's) if given."
)
flags.DEFINE_string(
    "hparams_set",
    None,
    "For T2T compatibility and output names; the model comes from hparams.json.",
)
flags.DEFINE_string("hparams", "", "Overrides of the run's hparams.json, e.g. max_length=100.")
flags.DEFINE_string(
    "data_dir",
    None,
    "Directory of the problem's vocabulary (and dev TFRecords); default: --output_dir.",
)
flags.DEFINE_string(
    "output_dir", None, "The t2t-trainer --output_dir: hparams.json and checkpoints."
)
flags.DEFINE_string(
    "checkpoint_path",
    None,
    "Checkpoint prefix or directory, or best (the run's best by its eval metric, kept in "
    "<output_dir>/best); default: the latest in --output_dir.",
)
flags.DEFINE_list(
    "checkpoint_paths",
    None,
    "An ensemble: run directories (their latest checkpoint) or checkpoint prefixes, "
    "comma-separated, decoded together with their log-probabilities averaged at each step. "
    "They must share the vocabularies in --data_dir; --output_dir gives the file names.",
)
flags.DEFINE_string(
    "decode_hparams",
    "",
    'e.g. "beam_size=4,alpha=0.6,extra_length=50,batch_size=32,return_beams=False"; '
    "return_beams=True,write_beam_scores=True writes each beam and its score.",
)
flags.DEFINE_string("decode_from_file", None, "Decode this file: one source (or prompt) per line.")
flags.DEFINE_string(
    "decode_to_file",
    None,
    "Where the translations go (default: named after the input, as T2T does).",
)
flags.DEFINE_bool(
    "decode_interactive", False, "Decode lines from stdin, printing one output per line."
)
flags.DEFINE_string(
    "score_file",
    None,
    "Score this file instead of decoding: source<TAB>target lines (target lines for a "
    "language model); one %.6f number per line goes to --decode_to_file.",
)
flags.DEFINE_enum(
    "score_mode",
    "loss",
    ["loss", "log_prob"],
    "--score_file's number: loss (T2T's: mean token cross-entropy over the target and its "
    "EOS, lower is better) or log_prob (their summed log-probability).",
)
flags.DEFINE_bool("xla", False, "Compile the search with XLA (once per batch shape).")
flags.DEFINE_string(
    "t2t_usr_dir",
    None,
    "Directory of a Python module that registers problems, models or hparams sets.",
)
T2T_ONLY_FLAGS = t2t_flags.define_t2t_flags()
FLAGS = flags.FLAGS


def decode_filename(base: str, model: str, problem: str, decode_hp) -> str:
    """T2T's `<base>.<model>.<hparams_set>.<problem>.beam<N>.alpha<A>.decodes`."""
    parts = [base, model] + ([FLAGS.hparams_set] if FLAGS.hparams_set else [])
    parts += [problem, f"beam{decode_hp.beam_size}", f"alpha{decode_hp.alpha}", "decodes"]
    return ".".join(parts)


def main(argv):
    cli.check_args(argv, "output_dir")
    t2t_flags.warn_without_effect("t2t-decoder", T2T_ONLY_FLAGS)
    given = [
        f"--{name}"
        for name in ("decode_interactive", "decode_from_file", "score_file")
        if getattr(FLAGS, name)
    ]
    if len(given) > 1:
        raise app.UsageError(f"{' and '.join(given)} exclude each other")
    if FLAGS.checkpoint_paths and FLAGS.checkpoint_path:
        raise app.UsageError(
            "--checkpoint_path and --checkpoint_paths (an ensemble) exclude each other"
        )
    if FLAGS.checkpoint_paths and FLAGS.score_file:
        raise app.UsageError(
            "--score_file scores with one model: pass --checkpoint_path, not --checkpoint_paths"
        )
    if FLAGS.score_file and not FLAGS.decode_to_file:
        raise app.UsageError("--score_file needs --decode_to_file, where the scores go (as in T2T)")

    from t2t_lite import decoding, models, runs
    from t2t_lite.errors import DataError
    from t2t_lite.utils import file_system
    from t2t_lite.utils.text_lines import read_lines, write_lines_atomically
    from t2t_lite.utils.usr_dir import import_usr_dir

    if FLAGS.decode_to_file and file_system.isdir(os.path.expanduser(FLAGS.decode_to_file)):
        raise DataError(
            f"--decode_to_file={FLAGS.decode_to_file} is a directory; name a file to write"
        )

    if FLAGS.t2t_usr_dir:
        import_usr_dir(FLAGS.t2t_usr_dir)
    output_dir = os.path.expanduser(FLAGS.output_dir)
    # A run that holds its vocabulary (t2t-import writes one) needs no --data_dir.
    data_dir = os.path.expanduser(FLAGS.data_dir or FLAGS.output_dir)
    checkpoint_path = os.path.expanduser(FLAGS.checkpoint_path) if FLAGS.checkpoint_path else None
    saved = runs.load_run_hparams(output_dir, FLAGS.hparams)
    reads_prompts = "inputs" not in models.get_model_class(
        models.run_model_name(saved)
    ).feature_spec(saved)
    if reads_prompts and not (
        FLAGS.decode_from_file or FLAGS.decode_interactive or FLAGS.score_file
    ):
        raise app.UsageError(
            f"{output_dir} holds a language model (problem {saved.problem} has no inputs): "
            "it continues prompts; pass --decode_from_file (one prompt per line, an empty "
            "line for none) or --decode_interactive"
        )
    # Parsed over the run's sampling hparams, before the model loads.
    decode_hp = cli.decode_hparams_flag(FLAGS.decode_hparams, saved)
    if FLAGS.checkpoint_paths:
        run = ensemble_run(FLAGS.checkpoint_paths, data_dir)
    else:
        run = runs.open_trained_run(output_dir, data_dir, FLAGS.hparams, checkpoint_path)
    hparams, problem, vocab = run.hparams, run.problem, run.vocabulary
    model_name = models.run_model_name(hparams)
    if FLAGS.problem and FLAGS.problem != problem.name:
        raise app.UsageError(
            f"--problem={FLAGS.problem}, but {output_dir} was trained on {problem.name}"
        )
    if FLAGS.model and FLAGS.model != model_name:
        raise app.UsageError(
            f"--model={FLAGS.model}, but {output_dir} trained --model={model_name}"
        )
    if FLAGS.score_file:
        score(run, decode_hp)
        return
    if run.model.task == "classification":
        classify(run, data_dir, output_dir, decode_hp, model_name)
        return
    if getattr(problem, "image_shape", None):
        generate_images(run, decode_hp)
        return
    decode_input = run.model.decode_input
    prompts = decode_input.blank_is_unconditional
    strategy = decoding.strategy_from_decode_hparams(decode_hp)
    logging.info("decoding with %s (%s)", run.checkpoint, strategy)
    decoder = decoding.IdDecoder(run.model, strategy, jit_compile=FLAGS.xla)
    translate = lambda lines, progress=None: decoding.decode_lines(  # noqa: E731
        decoder,
        lines,
        vocab,
        decode_input,
        hparams.max_length,
        decode_hp.batch_size,
        progress,
        decode_hp.write_beam_scores,
    )

    if FLAGS.decode_interactive:
        for number, line in enumerate(sys.stdin, start=1):
            line = line.rstrip("\r\n")
            if prompts and "\t" in line:
                raise DataError(
                    f"stdin line {number}: a tab, as in source<TAB>target pairs; {output_dir} "
                    "holds a language model, whose lines are prompts"
                )
            print(translate([line])[0], flush=True)
        return
    if FLAGS.decode_from_file:
        source = os.path.expanduser(FLAGS.decode_from_file)
        lines = read_lines(source, "--decode_from_file")
        if prompts:
            paired = next((n for n, line in enumerate(lines, 1) if "\t" in line), None)
            if paired is not None:
                raise DataError(
                    f"--decode_from_file={source}:{paired}: a tab, as in source<TAB>target pairs; "
                    f"{output_dir} holds a language model, whose lines are prompts"
                )
        outputs = translate(lines, decoding.ProgressLog(f"decoding {source}"))
        target = os.path.expanduser(
            FLAGS.decode_to_file or decode_filename(source, model_name, problem.name, decode_hp)
        )
        write_lines_atomically(target, outputs)
        what = "continuations" if prompts else "translations"
        print(f"Wrote {len(outputs)} {what} of {source} to {target}")
        return
    base = FLAGS.decode_to_file or os.path.join(
        output_dir, decode_filename("dev", model_name, problem.name, decode_hp)
    )
    report = decoding.decode_dev_split(
        problem,
        data_dir,
        vocab,
        decoder,
        hparams.max_length,
        decode_hp.batch_size,
        os.path.expanduser(base),
        decode_hp.num_samples,
    )
    print(report.summary())


def ensemble_run(paths: list[str], data_dir: str):
    """The members' runs as one run whose model is their `decoding.Ensemble`."""
    import dataclasses

    from t2t_lite import decoding, runs

    members = runs.open_ensemble_runs(
        [os.path.expanduser(p) for p in paths], data_dir, FLAGS.hparams
    )
    if any(
        m.model.task != "generation" or getattr(m.problem, "image_shape", None) for m in members
    ):
        raise app.UsageError("--checkpoint_paths ensembles models that generate text")
    logging.info("an ensemble of %d: %s", len(members), ", ".join(m.checkpoint for m in members))
    return dataclasses.replace(
        members[0],
        checkpoint=",".join(m.checkpoint for m in members),
        model=decoding.Ensemble([m.model for m in members]),
    )


def score(run, decode_hp) -> None:
    """t2t-decoder --score_file: one score per line, in order, to --decode_to_file."""
    from t2t_lite import decoding
    from t2t_lite.utils.text_lines import read_lines, write_lines_atomically

    if run.model.task != "generation" or getattr(run.problem, "image_shape", None):
        raise app.UsageError(
            f"--score_file scores text targets; {run.problem.name} has none to score"
        )
    source = os.path.expanduser(FLAGS.score_file)
    scores = decoding.score_lines(
        run.model,
        read_lines(source, "--score_file"),
        run.vocabulary,
        run.hparams.max_length,
        decode_hp.batch_size,
        FLAGS.score_mode,
        f"--score_file={source}",
    )
    target = os.path.expanduser(FLAGS.decode_to_file)
    write_lines_atomically(target, [f"{value:.6f}" for value in scores])
    print(f"Wrote {len(scores)} scores ({FLAGS.score_mode}) of {source} to {target}")


def generate_images(run, decode_hp) -> None:
    """t2t-decoder for a problem whose outputs are images (text2image_digits): each
    caption line's samples as PNG files beside --decode_to_file, which lists them, and a
    contact sheet <decode_to_file>.png."""
    from t2t_lite import decoding
    from t2t_lite.utils.text_lines import read_lines

    if not FLAGS.decode_from_file:
        raise app.UsageError(
            f"{run.problem.name} generates images after captions: pass --decode_from_file "
            "(one caption per line)"
        )
    source = os.path.expanduser(FLAGS.decode_from_file)
    captions = read_lines(source, "--decode_from_file")
    strategy = decoding.image_search(decode_hp, run.problem)
    logging.info("generating with %s (%s)", run.checkpoint, strategy)
    images = decoding.generate_images(
        decoding.IdDecoder(run.model, strategy, jit_compile=FLAGS.xla),
        captions,
        run.vocabulary["targets"],
        run.problem,
        run.hparams.max_length,
        decode_hp.batch_size,
        source,
    )
    target = os.path.expanduser(FLAGS.decode_to_file or f"{source}.images")
    count = decoding.write_images(images, target)
    print(
        f"Wrote {count} images for {len(captions)} captions of {source} beside {target} "
        f"(contact sheet {target}.png)"
    )


def classify(run, data_dir: str, output_dir: str, decode_hp, model_name: str) -> None:
    """t2t-decoder for a classifier: each line (an image file's path, or a text) gets its
    class name and probability; without a file, the dev split and its accuracy."""
    from t2t_lite import decoding
    from t2t_lite.utils.text_lines import read_lines, write_lines_atomically

    def classify_lines(lines, source):
        return decoding.classify_lines(
            run.model, lines, run.vocabulary, run.hparams, decode_hp.batch_size, source
        )

    if FLAGS.decode_interactive:
        for number, line in enumerate(sys.stdin, start=1):
            print(classify_lines([line.rstrip("\r\n")], f"stdin line {number}")[0], flush=True)
        return
    if FLAGS.decode_from_file:
        source = os.path.expanduser(FLAGS.decode_from_file)
        outputs = classify_lines(read_lines(source, "--decode_from_file"), source)
        target = os.path.expanduser(
            FLAGS.decode_to_file or decode_filename(source, model_name, run.problem.name, decode_hp)
        )
        write_lines_atomically(target, outputs)
        print(f"Wrote {len(outputs)} classes of {source} to {target}")
        return
    base = FLAGS.decode_to_file or os.path.join(
        output_dir, decode_filename("dev", model_name, run.problem.name, decode_hp)
    )
    report = decoding.classify_dev_split(
        run.problem,
        data_dir,
        run.vocabulary,
        run.model,
        run.hparams,
        decode_hp.batch_size,
        os.path.expanduser(base),
    )
    print(report.summary())


def run():
    cli.run(main)


if __name__ == "__main__":
    run()
