"""t2t-query-server against a loopback stand-in for TensorFlow Serving over an exported
model: gRPC and REST, the text and the serialized-Example signatures, REST's row and
columnar formats with base64; and a timeout, a refused connection and a wrong servable
name, each a clear error and a non-zero exit."""

import base64
import json
import pathlib
import socket
import subprocess
import sys
import threading
import urllib.request

import pytest
import tensorflow as tf
import tensorflow_text  # noqa: F401

from binaries import SCRIPTS, binary_env

pytestmark = pytest.mark.slow

STANDIN = pathlib.Path(__file__).parent / "serving_standin.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(reverse_exports):
    """`(grpc address, rest address, the export)`, served by the stand-in."""
    export = reverse_exports / "1"
    grpc_port, rest_port = free_port(), free_port()
    process = subprocess.Popen(
        [sys.executable, str(STANDIN), f"--export_dir={export}", "--model_name=t2t",
         f"--grpc_port={grpc_port}", f"--rest_port={rest_port}", "--max_requests=12",
         "--max_seconds=280"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=binary_env(),
    )  # fmt: skip
    assert process.stdout.readline().strip() == "serving", process.stderr.read()
    yield f"127.0.0.1:{grpc_port}", f"127.0.0.1:{rest_port}", export
    process.kill()
    process.wait()


def query(*flags, stdin=None):
    return subprocess.run(
        [str(SCRIPTS / "t2t-query-server"), *flags],
        input=stdin, capture_output=True, text=True, env=binary_env(), timeout=120,
    )  # fmt: skip


def direct(export, lines):
    serve = tf.saved_model.load(str(export)).signatures["serving_default"]
    return [t.decode() for t in serve(inputs=tf.constant(lines))["outputs"].numpy()]


def test_grpc_and_rest_answer_as_the_saved_model_does(served):
    grpc_address, rest_address, export = served
    expected = direct(export, ["0 1 1", "1 1 0 0"])
    result = query(f"--server={grpc_address}", "--servable_name=t2t", "--inputs_once=0 1 1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == expected[:1]
    result = query(f"--server={rest_address}", "--rest", "--servable_name=t2t",
                   stdin="0 1 1\n1 1 0 0\n")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == expected


def test_t2ts_serialized_example_signature(served, reverse_run):
    grpc_address, _, export = served
    data_dir, _ = reverse_run
    result = query(
        f"--server={grpc_address}",
        "--servable_name=t2t",
        "--signature=serialized_example",
        "--problem=algorithmic_reverse_binary40_test",
        f"--data_dir={data_dir}",
        "--inputs_once=1 1 0 0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == direct(export, ["1 1 0 0"])


def test_rest_columnar_format_and_base64(served):
    _, rest_address, export = served
    example = tf.train.Example(
        features=tf.train.Features(
            feature={"inputs": tf.train.Feature(int64_list=tf.train.Int64List(value=[2, 3, 1]))}
        )
    ).SerializeToString()
    body = {
        "signature_name": "serialized_example",
        "inputs": [{"b64": base64.b64encode(example).decode()}],
    }
    request = urllib.request.Request(
        f"http://{rest_address}/v1/models/t2t:predict", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"}, method="POST",
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=60) as answer:
        outputs = json.loads(answer.read())["outputs"]
    loaded = tf.saved_model.load(str(export)).signatures["serialized_example"]
    ids = loaded(input=tf.constant([example]))["outputs"].numpy().tolist()
    assert outputs["outputs"] == ids


def test_a_wrong_servable_name_is_named(served):
    grpc_address, _, _ = served
    result = query(f"--server={grpc_address}", "--servable_name=t2tt", "--inputs_once=0 1")
    assert result.returncode != 0
    assert "has no such model" in result.stderr and "Latest(t2tt)" in result.stderr
    assert "--servable_name" in result.stderr and "Traceback" not in result.stderr


def test_the_rest_client_names_a_wrong_servable_and_a_refused_connection(served):
    from t2t_lite.export.serving_client import ServingClient, ServingError

    _, rest_address, _ = served
    with pytest.raises(ServingError, match=r"has no such model: .*Latest\(t2tt\)"):
        ServingClient(rest_address, "t2tt", 30, rest=True).predict({"inputs": ["0"]}, "x")
    address = f"127.0.0.1:{free_port()}"
    with pytest.raises(ServingError, match=f"cannot reach the REST server {address}"):
        ServingClient(address, "t2t", 30, rest=True).predict({"inputs": ["0"]}, "x")


def test_a_refused_connection_and_a_timeout_are_named():
    port = free_port()  # nothing listens there
    result = query(f"--server=127.0.0.1:{port}", "--servable_name=t2t", "--inputs_once=0 1")
    assert result.returncode != 0
    assert f"cannot reach the gRPC server 127.0.0.1:{port}" in result.stderr
    # A server that accepts the connection and never answers.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    accepted = []
    stop = threading.Event()

    def accept():
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(silent.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    address = f"127.0.0.1:{silent.getsockname()[1]}"
    try:
        result = query(
            f"--server={address}", "--servable_name=t2t", "--timeout_secs=1", "--inputs_once=0 1"
        )  # fmt: skip  (gRPC)
        assert result.returncode != 0
        assert "within --timeout_secs=1" in result.stderr, result.stderr
        from t2t_lite.export.serving_client import ServingClient, ServingError

        with pytest.raises(ServingError, match="REST server .* within --timeout_secs=1"):
            ServingClient(address, "t2t", 1.0, rest=True).predict({"inputs": ["0"]}, "x")
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        silent.close()
