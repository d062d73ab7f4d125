"""A client of a running TensorFlow Serving model (what `t2t-query-server` sends): over
gRPC with tensorflow-serving-api's `PredictionService/Predict`, or over REST with
`POST /v1/models/<name>:predict` in the row (`instances`) format, binary strings as
`{"b64": ...}`. Failures (a timeout, a refused connection, an unknown servable) are a
`ServingError` that says which."""

import base64
import http.client
import json
import socket
import urllib.error
import urllib.request

import numpy as np
import tensorflow as tf

from t2t_lite.errors import T2TLiteError


class ServingError(T2TLiteError):
    """The server did not answer the request."""


def _decode_rest_value(value):
    if isinstance(value, dict) and set(value) == {"b64"}:
        return base64.b64decode(value["b64"])
    if isinstance(value, list):
        return [_decode_rest_value(v) for v in value]
    return value


def _encode_rest_value(value):
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return {"b64": base64.b64encode(value).decode("ascii")}
    return value


class ServingClient:
    """Sends one batch to `servable_name` at `server` (`host:port`).

    Args:
      server: the address of TF Serving's gRPC port, or with `rest`, its REST port.
      servable_name: the model name the server was started with (`--model_name`).
      timeout_secs: how long one request may take.
      rest: speak REST rather than gRPC.
    """

    def __init__(self, server: str, servable_name: str, timeout_secs: float, rest: bool = False):
        self.server = server
        self.servable_name = servable_name
        self.timeout_secs = timeout_secs
        self.rest = rest

    def predict(self, inputs: dict[str, list], signature_name: str) -> dict[str, np.ndarray]:
        """The signature's outputs for `inputs` (one list per input name, rows in order)."""
        if self.rest:
            return self._predict_rest(inputs, signature_name)
        return self._predict_grpc(inputs, signature_name)

    def _where(self) -> str:
        kind = "REST" if self.rest else "gRPC"
        return f"{kind} server {self.server} (--server), servable {self.servable_name!r}"

    def _predict_grpc(self, inputs, signature_name):
        try:
            import grpc
            from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc
        except ImportError as error:
            raise ServingError(
                f"gRPC needs tensorflow-serving-api ({error}): pip install "
                "'tensorflow-serving-api>=2.21,<2.22', or query the REST port with --rest"
            ) from None

        request = predict_pb2.PredictRequest()
        request.model_spec.name = self.servable_name
        request.model_spec.signature_name = signature_name
        for name, values in inputs.items():
            request.inputs[name].CopyFrom(tf.make_tensor_proto(values))
        with grpc.insecure_channel(self.server) as channel:
            stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
            try:
                response = stub.Predict(request, timeout=self.timeout_secs)
            except grpc.RpcError as error:
                code, details = error.code(), error.details()
                if code == grpc.StatusCode.DEADLINE_EXCEEDED:
                    raise ServingError(
                        f"no answer from the {self._where()} within --timeout_secs="
                        f"{self.timeout_secs:g}"
                    ) from None
                if code == grpc.StatusCode.UNAVAILABLE:
                    raise ServingError(
                        f"cannot reach the {self._where()}: {details} (is it running, on that "
                        "port?)"
                    ) from None
                if code == grpc.StatusCode.NOT_FOUND:
                    raise ServingError(
                        f"the {self._where()} has no such model: {details} (--servable_name)"
                    ) from None
                raise ServingError(f"the {self._where()} refused the request: {details}") from None
        return {name: tf.make_ndarray(proto) for name, proto in response.outputs.items()}

    def _predict_rest(self, inputs, signature_name):
        names = list(inputs)
        rows = len(inputs[names[0]])
        if len(names) == 1:
            instances = [_encode_rest_value(v) for v in inputs[names[0]]]
        else:
            instances = [{n: _encode_rest_value(inputs[n][i]) for n in names} for i in range(rows)]
        body = json.dumps({"signature_name": signature_name, "instances": instances}).encode()
        url = f"http://{self.server}/v1/models/{self.servable_name}:predict"
        request = urllib.request.Request(
            url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_secs) as answer:
                text = answer.read()
            reply = json.loads(text)
        except json.JSONDecodeError:
            raise ServingError(
                f"the {self._where()} answered with no JSON: {text[:200]!r}"
            ) from None
        except urllib.error.HTTPError as error:
            try:
                message = json.loads(error.read()).get("error", "")
            except (json.JSONDecodeError, AttributeError):
                message = error.reason
            if error.code == 404:
                raise ServingError(
                    f"the {self._where()} has no such model: {message} (--servable_name)"
                ) from None
            raise ServingError(
                f"the {self._where()} refused the request (HTTP {error.code}): {message}"
            ) from None
        except TimeoutError:
            raise ServingError(
                f"no answer from the {self._where()} within --timeout_secs={self.timeout_secs:g}"
            ) from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, (TimeoutError, socket.timeout)):
                raise ServingError(
                    f"no answer from the {self._where()} within --timeout_secs="
                    f"{self.timeout_secs:g}"
                ) from None
            raise ServingError(
                f"cannot reach the {self._where()}: {error.reason} (is it running, on that port?)"
            ) from None
        except (ConnectionError, http.client.HTTPException) as error:
            raise ServingError(f"the {self._where()} dropped the connection: {error}") from None
        predictions = reply.get("predictions")
        if predictions is None:
            raise ServingError(f"the {self._where()} answered without predictions: {reply}")
        if predictions and isinstance(predictions[0], dict):
            return {
                name: np.array([_decode_rest_value(p[name]) for p in predictions], dtype=object)
                for name in predictions[0]
            }
        return {"outputs": np.array([_decode_rest_value(p) for p in predictions], dtype=object)}


class ExampleCodec:
    """T2T's query format: a line as a serialized `tf.train.Example` of the problem's
    ids (a source with its EOS in `inputs`; a language model's prompt in `targets`), and
    an answer's ids `[length]` (or `[beam, length]`: the best) back as text."""

    def __init__(self, problem_name: str, data_dir: str):
        from t2t_lite.ids import EOS_ID
        from t2t_lite.problems import get_problem

        problem = get_problem(problem_name, data_dir=data_dir)
        self.vocabulary = problem.feature_vocabulary(data_dir)
        self.feature = "inputs" if "inputs" in self.vocabulary else "targets"
        self.eos = [EOS_ID] if self.feature == "inputs" else []

    def encode(self, line: str) -> bytes:
        ids = self.vocabulary[self.feature].encode(line) + self.eos
        feature = {self.feature: tf.train.Feature(int64_list=tf.train.Int64List(value=ids))}
        return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()

    def decode(self, ids) -> str:
        ids = np.asarray(ids)
        best = ids[0] if ids.ndim == 2 else ids
        return self.vocabulary["targets"].decode(best.tolist())  # cuts at EOS, drops pads
