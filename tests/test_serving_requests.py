"""The request formats docs/serving.md documents, turned into signature inputs the way
TensorFlow Serving does: a gRPC `PredictRequest` (built with tensorflow-serving-api's
protos and sent as bytes) and REST bodies in row form, with base64 for binary strings."""

import base64
import json

import pytest
import tensorflow as tf
import tensorflow_text  # noqa: F401  (the tokenizer ops)

# Runs binaries or trains models in subprocesses: `make test-fast` leaves it out.
pytestmark = pytest.mark.slow


LINES = ["0 1 1", "", "1 1 0 0 1"]


@pytest.fixture(scope="module")
def exported(reverse_exports):
    return tf.saved_model.load(str(reverse_exports / "2"))  # beam search, beam 2


def example_bytes(ids):
    feature = {"inputs": tf.train.Feature(int64_list=tf.train.Int64List(value=ids))}
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def test_grpc_predict_request(exported):
    from tensorflow_serving.apis import predict_pb2

    request = predict_pb2.PredictRequest()
    request.model_spec.name = "t2t"
    request.model_spec.signature_name = "serving_default"
    request.inputs["inputs"].CopyFrom(tf.make_tensor_proto(LINES))
    received = predict_pb2.PredictRequest.FromString(request.SerializeToString())
    signature = exported.signatures[received.model_spec.signature_name]
    inputs = {name: tf.constant(tf.make_ndarray(proto)) for name, proto in received.inputs.items()}
    outputs = signature(**inputs)
    direct = exported.signatures["serving_default"](inputs=tf.constant(LINES))
    assert outputs["outputs"].numpy().tolist() == direct["outputs"].numpy().tolist()
    assert outputs["outputs"].numpy()[1] == b""
    # What the server sends back: a PredictResponse of tensor protos.
    response = predict_pb2.PredictResponse()
    for name, value in outputs.items():
        response.outputs[name].CopyFrom(tf.make_tensor_proto(value))
    assert tf.make_ndarray(response.outputs["scores"]).shape == (3,)


def test_rest_row_format(exported):
    body = json.loads(json.dumps({"signature_name": "serving_default", "instances": LINES}))
    outputs = exported.signatures[body["signature_name"]](inputs=tf.constant(body["instances"]))
    direct = exported.signatures["serving_default"](inputs=tf.constant(LINES))
    assert outputs["outputs"].numpy().tolist() == direct["outputs"].numpy().tolist()


def test_rest_base64_serialized_examples(exported):
    instances = [
        {"b64": base64.b64encode(example_bytes(ids)).decode("ascii")}
        for ids in ([2, 3, 3, 1], [3, 3, 2, 1])
    ]
    body = json.loads(json.dumps({"signature_name": "serialized_example", "instances": instances}))
    serialized = [base64.b64decode(instance["b64"]) for instance in body["instances"]]
    outputs = exported.signatures[body["signature_name"]](input=tf.constant(serialized))
    assert outputs["outputs"].dtype == tf.int32 and outputs["outputs"].shape[0] == 2
    text = exported.signatures["serving_default"](inputs=tf.constant(["0 1 1", "1 1 0"]))
    assert outputs["scores"].numpy() == pytest.approx(text["scores"].numpy(), abs=1e-5)
