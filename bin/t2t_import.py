r"""t2t-import: turns a Tensor2Tensor run into a t2t_lite run.

    t2t-import --t2t_output_dir=~/t2t_train/ende --t2t_data_dir=~/t2t_data \
      --output_dir=~/t2t_lite_train/ende

Reads T2T's hparams.json, flags.txt and latest checkpoint (or --checkpoint_path), and
the problem's vocab.<problem>.<size>.subwords; writes --output_dir as a t2t_lite run
that t2t-decoder, t2t-exporter and t2t-trainer (fine-tuning) take as they are.
"""

import os

from absl import flags

from t2t_lite_bin import cli

cli.quiet_tensorflow()

flags.DEFINE_string("t2t_output_dir", None, "The T2T run: its t2t-trainer --output_dir.")
flags.DEFINE_string("t2t_data_dir", None, "The T2T data_dir holding the problem's vocabulary.")
flags.DEFINE_string("output_dir", None, "The new t2t_lite run directory (must not exist).")
flags.DEFINE_string(
    "checkpoint_path", None, "T2T checkpoint prefix (default: the latest in --t2t_output_dir)."
)
flags.DEFINE_string("problem", None, "Problem name (default: --problem in T2T's flags.txt).")
flags.DEFINE_integer(
    "target_space_id",
    0,
    "Id fed to T2T's target space embedding (0: GENERIC, T2T 1.15's for text problems).",
    lower_bound=0,
    upper_bound=31,
)
flags.DEFINE_list(
    "t2t_hparams_no_effect",
    None,
    "T2T hparams unknown to t2t_lite (a fork's own) that you declare do not change the model.",
)
FLAGS = flags.FLAGS


def main(argv):
    cli.check_args(argv, "t2t_output_dir", "t2t_data_dir", "output_dir")
    from t2t_lite.t2t_import import import_t2t_run

    expand = os.path.expanduser
    record = import_t2t_run(
        expand(FLAGS.t2t_output_dir),
        expand(FLAGS.t2t_data_dir),
        expand(FLAGS.output_dir),
        checkpoint_path=expand(FLAGS.checkpoint_path) if FLAGS.checkpoint_path else None,
        problem=FLAGS.problem,
        target_space_id=FLAGS.target_space_id,
        hparams_no_effect=FLAGS.t2t_hparams_no_effect or (),
    )
    print(
        f"Imported {record['checkpoint']} (step {record['global_step']}, problem "
        f"{record['problem']}) into {FLAGS.output_dir}"
    )


def run():
    cli.run(main)


if __name__ == "__main__":
    run()
