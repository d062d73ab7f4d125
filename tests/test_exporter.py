"""t2t-exporter: versioned SavedModels with raw text in and text out, reloaded in fresh
processes that import only tensorflow and tensorflow_text."""

import json
import os
import shutil
import subprocess
import sys

import pytest
import tensorflow as tf

from t2t_lite import export

from binaries import SCRIPTS, binary_env, run_binary
from test_decoder_binary import ALIGNMENT_LINES, assert_fails, decoder

# Runs binaries or trains models in subprocesses: `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

SERVE_SCRIPT = r"""
import json, sys
import tensorflow as tf
import tensorflow_text  # noqa: F401  (registers the tokenizer ops, as TF Serving bundles them)
path, lines_file = sys.argv[1], sys.argv[2]
lines = json.load(open(lines_file, encoding="utf-8"))
serve = tf.saved_model.load(path).signatures["serving_default"]
one_by_one = [
    serve(inputs=tf.constant([line]))["outputs"].numpy()[0].decode("utf-8") for line in lines
]
batch = serve(inputs=tf.constant(lines))
print(json.dumps({
    "one_by_one": one_by_one,
    "batch": [t.decode("utf-8") for t in batch["outputs"].numpy()],
    "batch_scores": batch["scores"].numpy().tolist(),
    "t2t_lite_imported": "t2t_lite" in sys.modules,
}))
"""


def run_python(script: str, *args: str) -> subprocess.CompletedProcess:
    """`script` in a fresh Python process with `args`, as a user of the export runs it."""
    command = [sys.executable, "-c", script, *args]
    return subprocess.run(command, capture_output=True, text=True, env=binary_env(), timeout=300)


def exporter(run, *args):
    data_dir, output_dir = run
    return run_binary("t2t-exporter", f"--data_dir={data_dir}", f"--output_dir={output_dir}", *args)


def serve_in_fresh_process(path, lines, tmp_path):
    lines_file = tmp_path / "lines.json"
    lines_file.write_text(json.dumps(lines), encoding="utf-8")
    result = run_python(SERVE_SCRIPT, str(path), str(lines_file))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_layout_is_what_tf_serving_loads(text_export):
    names = set(os.listdir(text_export))
    assert {"saved_model.pb", "variables", "assets"} <= names
    assert os.listdir(text_export / "assets") == ["vocab.translate_parallel_text.model"]
    assert not [n for n in os.listdir(text_export.parent) if n != "1"], "no temporary left behind"


def test_served_text_equals_the_decoder_in_a_fresh_process(text_run, text_export, tmp_path):
    lines = [line.rstrip("\r") for line in ALIGNMENT_LINES if "\u2028" not in line]
    served = serve_in_fresh_process(text_export, lines, tmp_path)
    assert not served["t2t_lite_imported"]
    source = tmp_path / "in.txt"
    source.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    target = tmp_path / "out.txt"
    # Batches of one on both sides: the decode length depends on the batch's longest input.
    result = decoder(
        text_run,
        f"--decode_from_file={source}",
        f"--decode_to_file={target}",
        "--decode_hparams=beam_size=2,alpha=0.6,extra_length=3,batch_size=1",
    )
    assert result.returncode == 0, result.stderr
    decoded = target.read_text(encoding="utf-8").split("\n")[:-1]
    assert served["one_by_one"] == decoded
    # One batch of mixed lengths: aligned, blank in -> blank out with score 0.
    assert len(served["batch"]) == len(lines)
    for line, text, score in zip(lines, served["batch"], served["batch_scores"], strict=True):
        if not line.strip():
            assert text == "" and score == 0.0


def tensor_info(block: str, key: str) -> tuple[str, str]:
    """`(dtype, shape)` of `key` (e.g. "inputs['inputs']") in saved_model_cli's text."""
    info = block[block.index(key) :]
    field = lambda name: info.split(f"{name}: ")[1].split("\n")[0].strip()  # noqa: E731
    return field("dtype"), field("shape")


def test_saved_model_cli_lists_both_signatures(text_export):
    result = subprocess.run(
        [str(SCRIPTS / "saved_model_cli"), "show", "--all", "--dir", str(text_export)],
        capture_output=True,
        text=True,
        env=binary_env(),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    default = out[out.index("signature_def['serving_default']") :]
    example = out[
        out.index("signature_def['serialized_example']") : out.index(
            "signature_def['serving_default']"
        )
    ]
    assert tensor_info(default, "inputs['inputs']") == ("DT_STRING", "(-1)")
    assert tensor_info(default, "outputs['outputs']") == ("DT_STRING", "(-1)")
    assert tensor_info(default, "outputs['scores']") == ("DT_FLOAT", "(-1)")
    assert tensor_info(example, "inputs['input']") == ("DT_STRING", "(-1)")
    assert tensor_info(example, "outputs['outputs']") == ("DT_INT32", "(-1, -1)")
    assert tensor_info(example, "outputs['scores']") == ("DT_FLOAT", "(-1)")


OP_AUDIT_SCRIPT = r"""
import json, sys
import tensorflow as tf
from tensorflow.core.protobuf import saved_model_pb2
from tensorflow.python.framework import op_def_registry
proto = saved_model_pb2.SavedModel()
proto.ParseFromString(open(sys.argv[1] + "/saved_model.pb", "rb").read())
graph = proto.meta_graphs[0].graph_def
ops = {node.op for node in graph.node}
for function in graph.library.function:
    ops |= {node.op for node in function.node_def}
core = {op for op in ops if op_def_registry.get(op) is not None}
import tensorflow_text  # noqa: F401
text = {op for op in ops - core if op_def_registry.get(op) is not None}
print(json.dumps({"ops": sorted(ops), "core": sorted(core), "text": sorted(text)}))
"""


def test_every_op_is_core_tensorflow_or_tensorflow_text(text_export):
    result = run_python(OP_AUDIT_SCRIPT, str(text_export))
    assert result.returncode == 0, result.stderr
    audit = json.loads(result.stdout.strip().splitlines()[-1])
    offenders = sorted(set(audit["ops"]) - set(audit["core"]) - set(audit["text"]))
    python_ops = sorted(set(audit["ops"]) & {"PyFunc", "PyFuncStateless", "EagerPyFunc"})
    assert offenders == [] and python_ops == [], f"not core TF / TF-Text: {offenders + python_ops}"
    assert any("Sentencepiece" in op for op in audit["text"]), audit["text"]


def test_versions_count_up_and_never_overwrite(reverse_run, reverse_exports, tmp_path):
    # reverse_exports ran t2t-exporter twice into one directory: versions 1, then 2.
    export_dir = tmp_path / "export"
    shutil.copytree(reverse_exports, export_dir)
    before = sorted(os.listdir(export_dir / "1"))
    assert_fails(
        exporter(reverse_run, f"--export_dir={export_dir}", "--version=1"), f"{export_dir}/1 exists"
    )
    assert sorted(os.listdir(export_dir / "1")) == before
    assert sorted(os.listdir(export_dir)) == ["1", "2"]


class Constant(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def serve(self, inputs):
        return {"outputs": inputs}


def test_export_versioned_numbers_names_and_cleans_up(tmp_path):
    module = Constant()
    signatures = {"serving_default": module.serve.get_concrete_function()}
    export_dir = str(tmp_path / "e")
    os.makedirs(f"{export_dir}/.incomplete-3-999999999")  # an exporter that died mid-write
    assert export.export_versioned(module, signatures, export_dir) == f"{export_dir}/1"
    assert export.export_versioned(module, signatures, export_dir, version=7) == f"{export_dir}/7"
    assert export.export_versioned(module, signatures, export_dir) == f"{export_dir}/8"
    with pytest.raises(export.ExportError, match="/7 exists"):
        export.export_versioned(module, signatures, export_dir, version=7)
    assert sorted(os.listdir(export_dir)) == ["1", "7", "8"]
    assert export.existing_versions(export_dir) == [1, 7, 8]


def test_return_beams_serves_a_beam_axis(reverse_run, tmp_path):
    export_dir = tmp_path / "export"
    result = exporter(
        reverse_run, f"--export_dir={export_dir}", "--decode_hparams=beam_size=3,return_beams=true"
    )
    assert result.returncode == 0, result.stderr
    script = (
        "import sys, tensorflow as tf, tensorflow_text\n"
        "serve = tf.saved_model.load(sys.argv[1]).signatures['serving_default']\n"
        "out = serve(inputs=tf.constant(['0 1', '', '1 1 0']))\n"
        "print(out['outputs'].shape, out['scores'].shape, out['outputs'].numpy()[1].tolist())\n"
    )
    result = run_python(script, str(export_dir / "1"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "(3, 3) (3, 3) [b'', b'', b'']"


def test_serialized_example_signature_takes_t2t_examples(reverse_exports):
    export_dir = reverse_exports
    script = (
        "import sys, tensorflow as tf, tensorflow_text\n"
        "model = tf.saved_model.load(sys.argv[1])\n"
        "def example(ids):\n"
        "    feature = {'inputs': tf.train.Feature(int64_list=tf.train.Int64List(value=ids))}\n"
        "    features = tf.train.Features(feature=feature)\n"
        "    return tf.train.Example(features=features).SerializeToString()\n"
        "ids = model.signatures['serialized_example'](input=tf.constant([example([2, 3, 3, 1]), "
        "example([2, 3, 3])]))\n"
        "text = model.signatures['serving_default'](inputs=tf.constant(['0 1 1']))\n"
        "print(ids['outputs'].numpy().tolist()[0] == ids['outputs'].numpy().tolist()[1], "
        "ids['scores'].numpy()[0], text['scores'].numpy()[0])\n"
    )
    result = run_python(script, str(export_dir / "1"))
    assert result.returncode == 0, result.stderr
    same, example_score, text_score = result.stdout.strip().splitlines()[-1].split()
    # With or without the trailing EOS, and as the same input given as text.
    assert same == "True" and float(example_score) == pytest.approx(float(text_score), abs=1e-5)


def test_keras_users_load_the_export_as_a_layer(reverse_exports):
    import keras

    layer = keras.layers.TFSMLayer(str(reverse_exports / "1"), call_endpoint="serving_default")
    out = layer(tf.constant(["0 1 1", "1 0"]))
    assert out["outputs"].shape == (2,) and out["outputs"].dtype == tf.string
