"""t2t-exporter: writes a trained model as a versioned SavedModel for TensorFlow Serving,
taking raw text and returning text (tokenization and search inside the graph).

    t2t-exporter --data_dir=~/t2t_data --output_dir=~/t2t_train/multi30k \
      --decode_hparams="beam_size=4,alpha=0.6"
    # -> ~/t2t_train/multi30k/export/1/{saved_model.pb,variables/,assets/}
"""

import os

from absl import flags

from t2t_lite_bin import cli

cli.quiet_tensorflow()

flags.DEFINE_string("output_dir", None, "The t2t-trainer --output_dir: hparams.json and checkpoints.")
flags.DEFINE_string("data_dir", None, "Directory of the problem's vocabulary.")
flags.DEFINE_string("checkpoint_path", None, "Checkpoint prefix or directory (default: the latest in --output_dir).")
flags.DEFINE_string("export_dir", None, "Where versions go (default: <output_dir>/export).")
flags.DEFINE_string("decode_hparams", "", 'Baked-in search, e.g. "beam_size=4,alpha=0.6,extra_length=50,return_beams=False".')
flags.DEFINE_string("hparams", "", "Overrides of the run's hparams.json, e.g. max_length=100.")
flags.DEFINE_integer("version", None, "Version number (default: one past the highest present).", lower_bound=0)
flags.DEFINE_string("t2t_usr_dir", None, "Directory of a Python module that registers more problems.")
FLAGS = flags.FLAGS


def main(argv):
    cli.check_args(argv, "output_dir", "data_dir")

    from t2t_lite import decoding, export, models
    from t2t_lite.errors import DataError
    from t2t_lite.hparams import HParamsError
    from t2t_lite.problems import get_problem
    from t2t_lite.utils.usr_dir import import_usr_dir

    if FLAGS.t2t_usr_dir:
        import_usr_dir(FLAGS.t2t_usr_dir)
    try:
        decode_hp = decoding.decode_hparams(FLAGS.decode_hparams)
    except HParamsError as error:
        raise HParamsError(f"--decode_hparams={FLAGS.decode_hparams!r}: {error}") from None
    output_dir = os.path.expanduser(FLAGS.output_dir)
    data_dir = os.path.expanduser(FLAGS.data_dir)
    export_dir = os.path.expanduser(FLAGS.export_dir or os.path.join(output_dir, "export"))
    hparams = models.load_run_hparams(output_dir, FLAGS.hparams)
    problem = get_problem(hparams.problem)
    vocab = problem.feature_vocabulary(data_dir)
    for feature in ("inputs", "targets"):
        size, trained = vocab[feature].vocab_size, getattr(hparams, f"{feature[:-1]}_vocab_size")
        if size != trained:
            raise DataError(
                f"--data_dir={data_dir}: the {feature} vocabulary has {size} ids, the model in "
                f"{output_dir} was trained with {trained}"
            )
    checkpoint = models.find_checkpoint(os.path.expanduser(FLAGS.checkpoint_path or output_dir))
    model = models.load_trained_model(hparams, checkpoint)
    vocab_path = getattr(problem, "vocab_path", None)
    assets = (vocab_path(data_dir),) if vocab_path else ()
    module = export.TranslationModule(
        model,
        vocab["inputs"],
        vocab["targets"],
        max_length=hparams.max_length,
        beam_size=decode_hp.beam_size,
        alpha=decode_hp.alpha,
        extra_length=decode_hp.extra_length,
        return_beams=decode_hp.return_beams,
        assets=assets,
    )
    path = export.export_versioned(module, module.signatures(), export_dir, FLAGS.version)
    print(f"Exported {checkpoint} to {path}")


def run():
    cli.run(main)


if __name__ == "__main__":
    run()
