"""t2t-query-export: sends inputs to an exported SavedModel as TensorFlow Serving would,
loading it with TensorFlow and TF-Text alone, and prints each answer.

    t2t-query-export --export_dir=~/t2t_train/multi30k/export --inputs="A dog runs ."
    t2t-query-export --export_dir=t2t_work/quickstart/export --inputs="1 2 3" --expected="3 2 1"

It loads the highest version under --export_dir (or --export_dir itself, when that is a
version). With --expected, it exits with status 1 when an answer differs.
"""

import os

from absl import flags

from t2t_lite_bin import cli

cli.quiet_tensorflow()

flags.DEFINE_string("export_dir", None, "A t2t-exporter --export_dir, or one version in it.")
flags.DEFINE_multi_string("inputs", None, "Input text; repeat the flag to send a batch.")
flags.DEFINE_multi_string("expected", None, "The answer expected for each --inputs, in order.")
FLAGS = flags.FLAGS


def saved_model_path(export_dir: str) -> str:
    """`export_dir` if it holds a SavedModel, else its highest numbered version."""
    import tensorflow as tf

    if tf.io.gfile.exists(os.path.join(export_dir, "saved_model.pb")):
        return export_dir
    versions = (
        [name.rstrip("/") for name in tf.io.gfile.listdir(export_dir)]
        if tf.io.gfile.isdir(export_dir)
        else []
    )
    versions = sorted(int(name) for name in versions if name.isdigit())
    if not versions:
        cli.fail(f"--export_dir={export_dir}: no SavedModel version in it; run t2t-exporter first")
    return os.path.join(export_dir, str(versions[-1]))


def main(argv):
    cli.check_args(argv, "export_dir", "inputs")
    inputs, expected = FLAGS.inputs, FLAGS.expected
    if expected and len(expected) != len(inputs):
        cli.fail(
            f"{len(inputs)} --inputs but {len(expected)} --expected: give one answer per input"
        )

    import tensorflow as tf
    import tensorflow_text  # noqa: F401  (registers the tokenizer ops, as TF Serving bundles them)

    path = saved_model_path(os.path.expanduser(FLAGS.export_dir))
    serve = tf.saved_model.load(path).signatures["serving_default"]
    outputs = serve(inputs=tf.constant(inputs))["outputs"].numpy()
    wrong = 0
    for i, (text, output) in enumerate(zip(inputs, outputs, strict=True)):
        # With return_beams the answer is the best beam.
        answer = (output if isinstance(output, bytes) else output[0]).decode("utf-8")
        line = f"Served by {path}: {text!r} -> {answer!r}"
        if expected:
            line += f" (expected {expected[i]!r})"
            wrong += answer != expected[i]
        print(line, flush=True)
    if wrong:
        cli.fail(f"{wrong} of {len(inputs)} answers differ from --expected")


def run():
    cli.run(main)


if __name__ == "__main__":
    run()
