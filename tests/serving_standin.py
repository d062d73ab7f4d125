"""A loopback stand-in for TensorFlow Serving (which cannot be installed here): one
exported SavedModel served under one name over gRPC `PredictionService/Predict` and REST
`POST /v1/models/<name>:predict`, decoding requests as TF Serving does (REST: the row
`instances` and the columnar `inputs` formats, `{"b64": ...}` for binary strings). It
listens on 127.0.0.1 only, answers at most --max_requests requests, and stops by itself
after those or --max_seconds.

    python tests/serving_standin.py --export_dir=D --model_name=t2t --grpc_port=P --rest_port=Q
"""

import base64
import json
import threading
import time
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import grpc
import numpy as np
import tensorflow as tf
import tensorflow_text  # noqa: F401  (the tokenizer ops, as TF Serving bundles them)
from absl import app, flags
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

flags.DEFINE_string("export_dir", None, "A SavedModel version directory.")
flags.DEFINE_string("model_name", "t2t", "The servable name.")
flags.DEFINE_integer("grpc_port", 0, "gRPC port on 127.0.0.1 (0: none).")
flags.DEFINE_integer("rest_port", 0, "REST port on 127.0.0.1 (0: none).")
flags.DEFINE_integer("max_requests", 20, "Requests answered before stopping.")
flags.DEFINE_float("max_seconds", 300, "Seconds before stopping anyway.")
FLAGS = flags.FLAGS


class Model:
    def __init__(self, export_dir: str, name: str, max_requests: int):
        self.loaded = tf.saved_model.load(export_dir)
        self.name = name
        self.left = max_requests
        self.lock = threading.Lock()
        self.done = threading.Event()

    def not_found(self, name: str) -> str | None:
        if name != self.name:
            return f"Servable not found for request: Latest({name})"
        return None

    def run(self, signature_name: str, inputs: dict) -> dict:
        with self.lock:
            self.left -= 1
            if self.left <= 0:
                self.done.set()
        signature = self.loaded.signatures[signature_name or "serving_default"]
        return {
            k: v.numpy()
            for k, v in signature(**{k: tf.constant(v) for k, v in inputs.items()}).items()
        }


class Servicer(prediction_service_pb2_grpc.PredictionServiceServicer):
    def __init__(self, model: Model):
        self.model = model

    def Predict(self, request, context):  # noqa: N802 (the gRPC method's name)
        missing = self.model.not_found(request.model_spec.name)
        if missing:
            context.abort(grpc.StatusCode.NOT_FOUND, missing)
        inputs = {name: tf.make_ndarray(proto) for name, proto in request.inputs.items()}
        outputs = self.model.run(request.model_spec.signature_name, inputs)
        response = predict_pb2.PredictResponse()
        for name, value in outputs.items():
            response.outputs[name].CopyFrom(tf.make_tensor_proto(value))
        return response


def from_json(value):
    if isinstance(value, dict) and set(value) == {"b64"}:
        return base64.b64decode(value["b64"])
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value


def to_json(value):
    if isinstance(value, np.ndarray):
        return [to_json(v) for v in value]
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return {"b64": base64.b64encode(value).decode("ascii")}
    return value.item() if isinstance(value, np.generic) else value


def rest_handler(model: Model):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, code: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):  # noqa: N802 (http.server's name)
            prefix, _, rest = self.path.partition("/v1/models/")
            name, _, verb = rest.partition(":")
            if prefix or verb != "predict":
                return self.reply(404, {"error": f"Malformed request: POST {self.path}"})
            missing = model.not_found(name)
            if missing:
                return self.reply(404, {"error": missing})
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            signature = body.get("signature_name", "serving_default")
            input_names = list(model.loaded.signatures[signature].structured_input_signature[1])
            if "instances" in body:  # row format: one entry per example
                rows = body["instances"]
                if rows and isinstance(rows[0], dict) and set(rows[0]) != {"b64"}:
                    inputs = {n: [from_json(r[n]) for r in rows] for n in rows[0]}
                else:
                    inputs = {input_names[0]: [from_json(r) for r in rows]}
                outputs = model.run(signature, inputs)
                count = len(next(iter(outputs.values())))
                if len(outputs) == 1:
                    predictions = to_json(next(iter(outputs.values())))
                else:
                    predictions = [
                        {k: to_json(v[i]) for k, v in outputs.items()} for i in range(count)
                    ]
                return self.reply(200, {"predictions": predictions})
            columns = body.get("inputs")
            if not isinstance(columns, dict):
                columns = {input_names[0]: columns}
            outputs = model.run(signature, {k: from_json(v) for k, v in columns.items()})
            if len(outputs) == 1:
                return self.reply(200, {"outputs": to_json(next(iter(outputs.values())))})
            return self.reply(200, {"outputs": {k: to_json(v) for k, v in outputs.items()}})

    return Handler


def main(argv):
    del argv
    model = Model(FLAGS.export_dir, FLAGS.model_name, FLAGS.max_requests)
    servers = []
    if FLAGS.grpc_port:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(Servicer(model), server)
        server.add_insecure_port(f"127.0.0.1:{FLAGS.grpc_port}")
        server.start()
        servers.append(lambda: server.stop(grace=1))
    if FLAGS.rest_port:
        http = ThreadingHTTPServer(("127.0.0.1", FLAGS.rest_port), rest_handler(model))
        threading.Thread(target=http.serve_forever, daemon=True).start()
        servers.append(http.shutdown)
    print("serving", flush=True)
    model.done.wait(FLAGS.max_seconds)
    time.sleep(0.5)  # the last answer goes out
    for stop in servers:
        stop()


if __name__ == "__main__":
    app.run(main)
