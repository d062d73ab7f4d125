r"""t2t-exporter: writes a trained model as a versioned SavedModel for TensorFlow Serving,
taking raw text and returning text (tokenization and search inside the graph): a
translation, or a language model's continuation of a prompt.

    t2t-exporter --data_dir=~/t2t_data --output_dir=~/t2t_train/multi30k \
      --decode_hparams="beam_size=4,alpha=0.6"
    # -> ~/t2t_train/multi30k/export/1/{saved_model.pb,variables/,assets/}
"""

import os

from absl import flags, logging

from t2t_lite_bin import cli

cli.quiet_tensorflow()

flags.DEFINE_string(
    "output_dir", None, "The t2t-trainer --output_dir: hparams.json and checkpoints."
)
flags.DEFINE_string(
    "data_dir", None, "Directory of the problem's vocabulary; default: --output_dir."
)
flags.DEFINE_string(
    "checkpoint_path",
    None,
    "Checkpoint prefix or directory, or best (the run's best by its eval metric, kept in "
    "<output_dir>/best); default: the latest in --output_dir.",
)
flags.DEFINE_string("export_dir", None, "Where versions go (default: <output_dir>/export).")
flags.DEFINE_string(
    "decode_hparams",
    "",
    'Baked-in search, e.g. "beam_size=4,alpha=0.6,extra_length=50,return_beams=False", or '
    '"beam_size=1,sampling_method=random,sampling_temp=0.8,sampling_seed=1" (settings and seed '
    "are fixed in the export).",
)
flags.DEFINE_string("hparams", "", "Overrides of the run's hparams.json, e.g. max_length=100.")
flags.DEFINE_integer(
    "version", None, "Version number (default: one past the highest present).", lower_bound=0
)
flags.DEFINE_string(
    "t2t_usr_dir",
    None,
    "Directory of a Python module that registers problems, models or hparams sets.",
)
FLAGS = flags.FLAGS


def main(argv):
    cli.check_args(argv, "output_dir")

    from t2t_lite import decoding, export, runs
    from t2t_lite.utils.usr_dir import import_usr_dir

    if FLAGS.t2t_usr_dir:
        import_usr_dir(FLAGS.t2t_usr_dir)
    output_dir = os.path.expanduser(FLAGS.output_dir)
    # A run that holds its vocabulary (t2t-import writes one) needs no --data_dir.
    data_dir = os.path.expanduser(FLAGS.data_dir or FLAGS.output_dir)
    export_dir = os.path.expanduser(FLAGS.export_dir or os.path.join(output_dir, "export"))
    checkpoint_path = os.path.expanduser(FLAGS.checkpoint_path) if FLAGS.checkpoint_path else None
    # Parsed over the run's sampling hparams, before the model loads.
    decode_hp = cli.decode_hparams_flag(
        FLAGS.decode_hparams, runs.load_run_hparams(output_dir, FLAGS.hparams)
    )
    run = runs.open_trained_run(output_dir, data_dir, FLAGS.hparams, checkpoint_path)
    image_shape = getattr(run.problem, "image_shape", None)
    if image_shape:
        strategy = decoding.image_search(decode_hp, run.problem)
    else:
        strategy = decoding.strategy_from_decode_hparams(decode_hp)
    module = export.serving_module(run.model, run.vocabulary, run.hparams, strategy, image_shape)
    path = export.export_versioned(module, module.signatures(), export_dir, FLAGS.version)
    if run.model.task != "classification":
        logging.info("exported with %s", strategy)
    print(f"Exported {run.checkpoint} to {path}")


def run():
    cli.run(main)


if __name__ == "__main__":
    run()
