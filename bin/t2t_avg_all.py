"""t2t-avg-all: averages the weights of a run's last checkpoints into a new checkpoint
that t2t-decoder and t2t-exporter load like any other (`--output_dir=<this output>`).
Where the run keeps moving averages of its weights (`moving_average_decay`), those are
what decoding uses, and what is averaged.

    t2t-avg-all --model_dir=~/t2t_train/multi30k --output_dir=~/t2t_train/multi30k/avg --n=8
"""

import os

from absl import app, flags

from t2t_lite_bin import cli

cli.quiet_tensorflow()

flags.DEFINE_string(
    "model_dir", None, "The t2t-trainer --output_dir whose checkpoints are averaged."
)
flags.DEFINE_string(
    "output_dir", None, "Where the averaged checkpoint and a copy of hparams.json go."
)
flags.DEFINE_integer("n", 8, "How many of the latest checkpoints to average.", lower_bound=1)
flags.DEFINE_string(
    "t2t_usr_dir", None, "Directory of a Python module that registers the run's model, if yours."
)
FLAGS = flags.FLAGS


def main(argv):
    cli.check_args(argv, "model_dir", "output_dir")
    model_dir, output_dir = (
        cli.normalized_path(flag) for flag in (FLAGS.model_dir, FLAGS.output_dir)
    )
    if output_dir == model_dir:
        raise app.UsageError(
            "--output_dir must differ from --model_dir (its checkpoints would mix with the run's)"
        )

    from t2t_lite import runs
    from t2t_lite.utils.usr_dir import import_usr_dir

    if FLAGS.t2t_usr_dir:
        import_usr_dir(FLAGS.t2t_usr_dir)
    path, averaged, weights = runs.average_latest_checkpoints(model_dir, output_dir, FLAGS.n)
    print(
        f"Averaged the {weights} of {len(averaged)} checkpoints "
        f"({', '.join(os.path.basename(p) for p in averaged)}) into {path}"
    )


def run():
    cli.run(main)


if __name__ == "__main__":
    run()
