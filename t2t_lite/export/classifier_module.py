"""The served classifier: encoded images (or text) in, class names and probabilities out,
with decoding, resizing and channel conversion (or tokenization) in the graph.

Signature, as TensorFlow Serving exposes it:
  serving_default: inputs  tf.string [batch]: encoded PNG or JPEG images of any size and
                   channel count (what a REST client sends as {"b64": ...}), or texts
                   -> outputs tf.string [batch]: the most probable class's name,
                      scores  float32 [batch, classes]: the probabilities, in the order
                      of the class names (assets/vocab.<problem>.labels).
A request with bytes that are no image fails as a whole with INVALID_ARGUMENT (TF
Serving's request error); the server goes on serving.
"""

import tensorflow as tf

from t2t_lite.decoding import tf_terminate
from t2t_lite.problems.image_io import tf_model_images


class ClassifierModule(tf.Module):
    """A trained classifier (`task = "classification"`) and its vocabularies, ready to
    export.

    Args:
      model: the trained model (float32); a `VisionTransformer` takes images, a text
        classifier ids.
      vocabulary: the problem's vocabularies by feature: `targets` are the class labels;
        `inputs` (text classifiers) encodes the texts.
      hparams: the run's hparams (`image_size`, `num_channels` for images; `max_length`
        for texts).
    """

    def __init__(self, model, vocabulary: dict, hparams):
        super().__init__(name="t2t_lite_classifier")
        self.model = model
        self.model_variables = list(model.weights)
        self.labels = vocabulary["targets"]
        self.images = "inputs" not in vocabulary
        self.text_vocabulary = None if self.images else vocabulary["inputs"]
        resources = [v.resources() for v in vocabulary.values()]
        self.tokenizers = [t for r in resources for t in r.trackables]
        self.assets = [tf.saved_model.Asset(f) for r in resources for f in r.files]
        # Read by t2t-query-export: whether an input is an image file's bytes or text.
        self.input_kind = tf.Variable(
            "image" if self.images else "text", trainable=False, name="input_kind"
        )
        self.hparams = hparams

    def _features(self, inputs: tf.Tensor) -> dict:
        if self.images:
            size, channels = self.hparams.image_size, self.hparams.num_channels
            return {"inputs": tf_model_images(inputs, size, channels)}
        ids = tf_terminate(self.text_vocabulary.tf_encode(inputs), self.hparams.max_length)
        return {"inputs": ids}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="inputs")])
    def serve(self, inputs):
        logits = self.model(self._features(inputs), training=False)
        probabilities = tf.nn.softmax(logits, axis=-1)
        best = tf.argmax(probabilities, axis=-1)
        return {"outputs": self.labels.tf_decode(best), "scores": probabilities}

    def signatures(self) -> dict:
        return {"serving_default": self.serve.get_concrete_function()}
