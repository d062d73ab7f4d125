r"""t2t-query-server: sends lines to a model that TensorFlow Serving serves, and prints
each answer (T2T's `t2t-query-server`, with its flags).

    tensorflow_model_server --port=9000 --rest_api_port=8501 --model_name=t2t \
      --model_base_path=$HOME/t2t_train/multi30k/export
    echo "A dog runs ." | t2t-query-server --server=localhost:9000 --servable_name=t2t
    t2t-query-server --server=localhost:8501 --rest --servable_name=t2t --inputs_once="A dog."
    t2t-query-server --server=localhost:9000 --servable_name=t2t \
      --signature=serialized_example --problem=translate_ende_multi30k --data_dir=~/t2t_data

By default it speaks the export's text signature (`serving_default`: strings in, strings
out). `--signature=serialized_example` speaks T2T's: each line encoded with the problem's
vocabulary into a `tf.train.Example`, the answer's ids decoded back.
"""

import os
import sys

from absl import app, flags

from t2t_lite_bin import cli

cli.quiet_tensorflow()

flags.DEFINE_string("server", None, "host:port of TF Serving's gRPC port (with --rest: REST).")
flags.DEFINE_string("servable_name", None, "The served model's name (its --model_name).")
flags.DEFINE_float("timeout_secs", 10.0, "Seconds one request may take.", lower_bound=0.001)
flags.DEFINE_bool("rest", False, "Speak REST (POST /v1/models/<name>:predict) instead of gRPC.")
flags.DEFINE_enum(
    "signature",
    "serving_default",
    ["serving_default", "serialized_example"],
    "The export's text signature, or T2T's serialized tf.train.Example one.",
)
flags.DEFINE_string(
    "signature_name",
    None,
    "The served signature's name (default: --signature's). A T2T export serves its "
    "serialized Examples as serving_default: pass --signature_name=serving_default.",
)
flags.DEFINE_string("problem", None, "With --signature=serialized_example: the problem.")
flags.DEFINE_string("data_dir", None, "With --signature=serialized_example: its vocabulary.")
flags.DEFINE_string("inputs_once", None, "Send this one line and exit (default: stdin lines).")
flags.DEFINE_string(
    "t2t_usr_dir", None, "Directory of a Python module that registers the problem, if yours."
)
FLAGS = flags.FLAGS


def main(argv):
    cli.check_args(argv, "server", "servable_name")
    examples = FLAGS.signature == "serialized_example"
    if examples and not (FLAGS.problem and FLAGS.data_dir):
        raise app.UsageError("--signature=serialized_example needs --problem and --data_dir")

    from t2t_lite.export.serving_client import ServingClient

    client = ServingClient(FLAGS.server, FLAGS.servable_name, FLAGS.timeout_secs, FLAGS.rest)
    codec = None
    if examples:
        from t2t_lite.export.serving_client import ExampleCodec
        from t2t_lite.utils.usr_dir import import_usr_dir

        if FLAGS.t2t_usr_dir:
            import_usr_dir(FLAGS.t2t_usr_dir)
        codec = ExampleCodec(FLAGS.problem, os.path.expanduser(FLAGS.data_dir))

    signature_name = FLAGS.signature_name or FLAGS.signature

    def answer(line: str) -> str:
        if codec is None:
            outputs = client.predict({"inputs": [line]}, signature_name)["outputs"]
            best = outputs[0] if outputs.ndim == 1 else outputs[0][0]  # with beams: the best
            return best.decode("utf-8") if isinstance(best, bytes) else str(best)
        outputs = client.predict({"input": [codec.encode(line)]}, signature_name)
        return codec.decode(outputs["outputs"][0])

    if FLAGS.inputs_once is not None:
        print(answer(FLAGS.inputs_once), flush=True)
        return
    for line in sys.stdin:
        print(answer(line.rstrip("\r\n")), flush=True)


def run():
    cli.run(main)


if __name__ == "__main__":
    run()
