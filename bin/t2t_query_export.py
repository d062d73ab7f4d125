"""t2t-query-export: sends inputs to an exported SavedModel as TensorFlow Serving would,
loading it with TensorFlow and TF-Text alone, and prints each answer.

    t2t-query-export --export_dir=~/t2t_train/multi30k/export --inputs="A dog runs ."
    t2t-query-export --export_dir=t2t_work/quickstart/export --inputs="1 2 3" --expected="3 2 1"
    t2t-query-export --export_dir=t2t_work/image_digits/run/export --inputs=seven.png --expected=7

It loads the highest version under --export_dir (or --export_dir itself, when that is a
version). An image classifier's --inputs are image files, sent as their bytes. With
--expected, it exits with status 1 when an answer differs.
"""

import os

from absl import flags

from t2t_lite_bin import cli

cli.quiet_tensorflow()

flags.DEFINE_string("export_dir", None, "A t2t-exporter --export_dir, or one version in it.")
flags.DEFINE_multi_string(
    "inputs", None, "Input text (an image classifier's: an image file); repeat for a batch."
)
flags.DEFINE_multi_string("expected", None, "The answer expected for each --inputs, in order.")
FLAGS = flags.FLAGS
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


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
    loaded = tf.saved_model.load(path)
    serve = loaded.signatures["serving_default"]
    sent = inputs
    if hasattr(loaded, "input_kind") and loaded.input_kind.numpy() == b"image":
        sent = []
        for name in inputs:
            if not tf.io.gfile.exists(os.path.expanduser(name)):
                cli.fail(f"--inputs={name}: no such image file")
            with tf.io.gfile.GFile(os.path.expanduser(name), "rb") as f:
                sent.append(f.read())
    try:
        outputs = serve(inputs=tf.constant(sent))["outputs"].numpy()
    except tf.errors.InvalidArgumentError as error:
        from t2t_lite.errors import first_line

        cli.fail(f"{path} refused the request: {first_line(error)}")
    wrong = 0
    for i, (text, output) in enumerate(zip(inputs, outputs, strict=True)):
        # With return_beams the answer is the best beam.
        answer = output if isinstance(output, bytes) else output[0]
        if answer.startswith(PNG_SIGNATURE):  # a text-to-image model's answer
            height, width = tf.io.decode_png(answer).shape[:2]
            answer = f"<a {height}x{width} PNG image, {len(answer)} bytes>"
        else:
            answer = answer.decode("utf-8")
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
