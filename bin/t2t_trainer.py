r"""t2t-trainer: trains and evaluates a registered model (--model) on a generated problem.

    t2t-trainer --problem=translate_ende_multi30k --hparams_set=transformer_base \
      --data_dir=~/t2t_data --output_dir=~/t2t_train/multi30k --train_steps=100000

Restarted with the same --output_dir it resumes from the latest checkpoint.
"""

import os

from absl import app, flags, logging

from t2t_lite_bin import cli, t2t_flags

cli.quiet_tensorflow()

flags.DEFINE_string(
    "problem", None, "Registered problem name (t2t-datagen --registry_help lists them)."
)
flags.DEFINE_string(
    "model",
    "transformer",
    "Registered model name (transformer: the encoder-decoder, or the decoder alone on a "
    "problem without inputs); a run in --output_dir keeps its own.",
)
flags.DEFINE_string("hparams_set", "transformer_base", "Named hyperparameter set.")
flags.DEFINE_string("hparams", "", 'Overrides in T2T form, e.g. "hidden_size=256,batch_size=2048".')
flags.DEFINE_string("data_dir", None, "Directory of the problem's vocabulary and TFRecords.")
flags.DEFINE_string("tmp_dir", "/tmp/t2t_datagen", "Raw data for --generate_data.")
flags.DEFINE_string("output_dir", None, "Checkpoints, summaries, hparams.json and flags.txt.")
flags.DEFINE_integer("train_steps", 250000, "Global step to train to.", lower_bound=0)
flags.DEFINE_integer(
    "eval_steps", 100, "Eval batches per evaluation (0: the whole dev split).", lower_bound=0
)
flags.DEFINE_integer(
    "local_eval_frequency", 1000, "Steps between checkpoints (and evaluations).", lower_bound=1
)
flags.DEFINE_integer("keep_checkpoint_max", 20, "Checkpoints kept in --output_dir.", lower_bound=1)
flags.DEFINE_integer("log_step_count_steps", 100, "Steps between progress lines.", lower_bound=1)
flags.DEFINE_enum(
    "schedule",
    "train_and_evaluate",
    ["train", "train_and_evaluate", "evaluate", "continuous_eval", "continuous_train_and_eval"],
    "What to run. continuous_eval: a process beside a trainer that evaluates each new "
    "checkpoint in --output_dir once (T2T's continuous_train_and_eval is train_and_evaluate).",
)
flags.DEFINE_float(
    "eval_timeout_mins",
    240,
    "continuous_eval stops after this long without a new checkpoint (the first included).",
    lower_bound=0,
)
flags.DEFINE_string(
    "eval_early_stopping_steps",
    None,
    "Stop training once the early-stopping metric has not improved by its delta within this "
    "many steps (None: train to --train_steps).",
)
flags.DEFINE_string(
    "eval_early_stopping_metric",
    "loss",
    "The eval metric that stops early and picks the best checkpoint (<output_dir>/best): "
    "loss, or T2T's metrics-<problem>/targets/<metric> (accuracy, approx_bleu_score, ...).",
)
flags.DEFINE_float(
    "eval_early_stopping_metric_delta", 0.1, "The least change that counts as improving."
)
flags.DEFINE_bool(
    "eval_early_stopping_metric_minimize",
    True,
    "Whether the early-stopping metric improves downwards (loss) or upwards (accuracy).",
)
flags.DEFINE_bool(
    "eval_bleu",
    False,
    "Each evaluation also decodes the dev split with --decode_hparams and reports its "
    "sacreBLEU as bleu (translation models; T2T had no such flag).",
)
flags.DEFINE_string(
    "decode_hparams", "", "How --eval_bleu decodes, as t2t-decoder's --decode_hparams."
)
flags.DEFINE_integer("random_seed", 429459, "Seed of initialization, dropout and shuffling.")
flags.DEFINE_bool("generate_data", False, "Run datagen first when the problem's files are missing.")
flags.DEFINE_string(
    "warm_start_from", None, "Checkpoint (file or directory) to initialize the weights from."
)
flags.DEFINE_enum(
    "distribution_strategy",
    None,
    ["one_device", "mirrored", "multi_worker_mirrored", "tpu"],
    "tf.distribute strategy; default: mirrored when several GPUs are visible, else one_device.",
)
flags.DEFINE_integer("num_gpus", 0, "GPUs to use (0: all visible).", lower_bound=0)
flags.DEFINE_integer(
    "num_cpu_devices",
    1,
    "Split the CPU into this many logical devices (runs mirrored without GPUs).",
    lower_bound=1,
)
flags.DEFINE_string("tpu", None, "TPU name or grpc:// address for --distribution_strategy=tpu.")
flags.DEFINE_enum(
    "mixed_precision", "none", ["none", "mixed_float16", "mixed_bfloat16"], "Keras dtype policy."
)
flags.DEFINE_bool(
    "xla", False, "jit-compile the train step (batches are padded to their bucket length)."
)
flags.DEFINE_bool(
    "skip_corrupt_records",
    False,
    "Read past damaged TFRecord shards: use each file's records before its first corrupt one, "
    "logging what is skipped (default: a damaged shard is an error that names it).",
)
flags.DEFINE_string(
    "t2t_usr_dir",
    None,
    "Directory of a Python module that registers problems, models or hparams sets.",
)
T2T_ONLY_FLAGS = t2t_flags.define_t2t_flags()
FLAGS = flags.FLAGS


def apply_t2t_flags() -> None:
    """T2T's flags with a t2t_lite meaning, as the t2t_lite flags they stand for."""
    t2t_flags.warn_without_effect(
        "t2t-trainer", T2T_ONLY_FLAGS, meaningful=("worker_gpu", "use_tpu", "master")
    )
    if FLAGS.schedule == "continuous_train_and_eval":
        FLAGS.schedule = "train_and_evaluate"
    if FLAGS.use_tpu and not FLAGS.distribution_strategy:
        FLAGS.distribution_strategy = "tpu"
        FLAGS.tpu = FLAGS.tpu or FLAGS.master or None
    if FLAGS["worker_gpu"].present:
        try:
            worker_gpu = int(FLAGS.worker_gpu)
        except ValueError:
            raise app.UsageError(f"--worker_gpu={FLAGS.worker_gpu}: not a number") from None
        if worker_gpu > 1 and not FLAGS.distribution_strategy:
            FLAGS.distribution_strategy = "mirrored"
            FLAGS.num_gpus = worker_gpu


def parse_early_stopping_steps(value: str | None) -> int:
    """`--eval_early_stopping_steps`: None (T2T writes it so) or a count >= 1."""
    if value is None or value.strip() in ("", "None", "0"):
        return 0
    try:
        steps = int(value)
    except ValueError:
        raise app.UsageError(f"--eval_early_stopping_steps={value}: not a number") from None
    if steps < 1:
        raise app.UsageError(f"--eval_early_stopping_steps={value} must be >= 1 (or None)")
    return steps


def main(argv):
    cli.check_args(argv, "data_dir", "output_dir")
    apply_t2t_flags()
    if FLAGS.distribution_strategy == "tpu" and FLAGS.schedule not in ("train",):
        raise app.UsageError(
            "--distribution_strategy=tpu supports --schedule=train only; evaluate on CPU/GPU"
        )
    early_stopping_steps = parse_early_stopping_steps(FLAGS.eval_early_stopping_steps)
    if FLAGS.distribution_strategy == "multi_worker_mirrored" and early_stopping_steps:
        raise app.UsageError(
            "--eval_early_stopping_steps is for single-host runs: workers of a "
            "multi_worker_mirrored job cannot all read the chief's eval summaries"
        )
    if FLAGS.distribution_strategy == "multi_worker_mirrored" and FLAGS.generate_data:
        raise app.UsageError(
            "--generate_data is not for multi-worker runs: run t2t-datagen before starting the "
            "workers"
        )

    from t2t_lite import decoding, models, runs, training
    from t2t_lite.errors import DataError
    from t2t_lite.hparams import HParamsError, get_hparams
    from t2t_lite.problems import DEV, TRAIN, get_problem
    from t2t_lite.utils.usr_dir import import_usr_dir

    training.split_cpu(FLAGS.num_cpu_devices)
    import keras

    if FLAGS.t2t_usr_dir:
        import_usr_dir(FLAGS.t2t_usr_dir)
    data_dir = os.path.expanduser(FLAGS.data_dir)
    output_dir = os.path.expanduser(FLAGS.output_dir)
    # A run in --output_dir (one t2t-import wrote, say) trains on with its own hparams
    # unless --hparams_set names another set.
    saved = runs.saved_run(output_dir)
    hparams_set = FLAGS.hparams_set
    use_saved = saved is not None and (
        not FLAGS["hparams_set"].present or hparams_set in (saved.hparams_set, *saved.set_aliases)
    )
    try:
        if use_saved:
            hparams_set = saved.hparams_set
            hparams = saved.hparams.parse(FLAGS.hparams)
        else:
            hparams = get_hparams(hparams_set, FLAGS.hparams)
        training.T2TLearningRateSchedule.from_hparams(hparams)
        training.accumulate_steps(hparams)
        training.moving_average_decay(hparams)
        if "sampling_method" in hparams:  # what decoding will read: refused now, not then
            decoding.check_sampling(
                hparams.sampling_method, hparams.sampling_temp, hparams.sampling_keep_top_k
            )
    except HParamsError as error:
        raise HParamsError(
            f"--hparams_set={hparams_set} --hparams={FLAGS.hparams!r}: {error}"
        ) from None
    problem_name = FLAGS.problem or (saved.problem if saved is not None else None)
    if not problem_name:
        raise app.UsageError("--problem is required")
    problem = get_problem(problem_name, data_dir=data_dir)
    model_name = FLAGS.model
    if saved is not None and not FLAGS["model"].present:
        model_name = saved.model
    models.get_model_class(model_name)  # an unknown --model fails before any work
    strategy_name = FLAGS.distribution_strategy or training.default_strategy_name()
    strategy = training.make_strategy(strategy_name, FLAGS.num_gpus, FLAGS.tpu)
    chief = training.is_chief(strategy)
    logging.info("%s strategy with %d replica(s)", strategy_name, strategy.num_replicas_in_sync)

    if not problem.is_generated(data_dir, splits=[TRAIN]):
        if not FLAGS.generate_data:
            raise DataError(
                f"--data_dir={data_dir} lacks the train split or the vocabulary of {problem.name}; "
                f"run t2t-datagen --problem={problem.name} or pass --generate_data"
            )
        problem.generate_data(data_dir, os.path.expanduser(FLAGS.tmp_dir), seed=FLAGS.random_seed)
    if FLAGS.schedule != "train":
        problem.require_split(data_dir, DEV, f"--schedule={FLAGS.schedule}")
    vocab = problem.feature_vocabulary(data_dir)
    hparams = runs.with_problem_hparams(
        hparams,
        problem.name,
        vocab["inputs"].vocab_size if "inputs" in vocab else 0,
        vocab["targets"].vocab_size,
        hparams_set,
        model=model_name,
        has_inputs=problem.has_inputs,
        problem_hparams=problem.model_hparams(),
    )
    runs.check_problem_fits_model(problem, hparams)
    try:
        problem.check_hparams(hparams)
    except HParamsError as error:
        raise HParamsError(f"--hparams={FLAGS.hparams!r}: {error}") from None
    resuming = runs.check_output_dir(output_dir, hparams)
    if FLAGS.schedule == "evaluate" and not resuming:
        raise runs.RunDirError(f"--schedule=evaluate: no checkpoint in --output_dir={output_dir}")
    eval_decode_hparams = (
        cli.decode_hparams_flag(FLAGS.decode_hparams, hparams) if FLAGS.eval_bleu else None
    )

    keras.utils.set_random_seed(FLAGS.random_seed)
    options = training.TrainerOptions(
        eval_steps=FLAGS.eval_steps,
        local_eval_frequency=FLAGS.local_eval_frequency,
        keep_checkpoint_max=FLAGS.keep_checkpoint_max,
        log_step_count_steps=FLAGS.log_step_count_steps,
        seed=FLAGS.random_seed,
        mixed_precision=FLAGS.mixed_precision,
        xla=FLAGS.xla,
        skip_corrupt_records=FLAGS.skip_corrupt_records,
        eval_bleu_decode_hparams=eval_decode_hparams,
    )
    trainer = training.Trainer(problem, hparams, data_dir, output_dir, strategy, options)
    if FLAGS.eval_bleu and not trainer.translates:
        raise app.UsageError(f"--eval_bleu: {problem.name} is not translation; it has no BLEU")
    options.early_stopping = training.EarlyStopping(
        steps=early_stopping_steps,
        metric=training.resolve_metric(
            FLAGS.eval_early_stopping_metric, problem.name, trainer.eval_metric_names()
        ),
        delta=FLAGS.eval_early_stopping_metric_delta,
        minimize=FLAGS.eval_early_stopping_metric_minimize,
    )
    if FLAGS.warm_start_from and not resuming:
        trainer.warm_start(os.path.expanduser(FLAGS.warm_start_from))
    if chief and FLAGS.schedule not in ("evaluate", "continuous_eval"):
        runs.write_run_files(output_dir, hparams, FLAGS.flags_into_string())
    try:
        if FLAGS.schedule == "evaluate":
            trainer.evaluate(keep_best=True)
            return
        if FLAGS.schedule == "continuous_eval":
            count = training.continuous_eval(
                trainer, FLAGS.train_steps, FLAGS.eval_timeout_mins * 60.0
            )
            print(f"Evaluated {count} checkpoints of {output_dir}")
            return
        outcome = trainer.train(FLAGS.train_steps, evaluate=FLAGS.schedule == "train_and_evaluate")
    finally:
        trainer.close()
    if outcome == "early_stopped":
        print(
            f"Stopped early at step {trainer.step}: eval {options.early_stopping.metric} stopped "
            f"improving; best checkpoint: {runs.read_best(output_dir) or 'none'}"
        )
    elif outcome == "preempted":
        print(
            f"Stopped by SIGTERM at step {trainer.step}; checkpoint in {output_dir}; rerun to "
            "resume"
        )
    elif chief:
        print(f"Trained to step {trainer.step}; checkpoint: {trainer.manager.latest_checkpoint}")


def run():
    cli.run(main)


if __name__ == "__main__":
    run()
