"""The served model: raw text in, text out, with tokenization, search and detokenization
all in the graph (core TensorFlow and tensorflow-text ops only), for every model with a
decoder: a source sentence in, its translation out; or a prompt in, its continuation out
(without the prompt; a blank prompt is unconditional), as the model's `decode_input` says.

Signatures, as TensorFlow Serving exposes them:
  serving_default:    inputs  tf.string [batch]  -> outputs tf.string [batch],
                      scores float32 [batch] (with return_beams or several samples:
                      [batch, beam] each)
  serialized_example: input   tf.string [batch] of serialized tf.train.Example with int64
                      "inputs" (T2T's export format; a language model's prompt is
                      "targets") -> outputs int32 ids [batch, length]
                      ([batch, beam, length] with return_beams), scores as above

The decoding strategy, sampling included, is fixed at export: a signature's inputs are
what a TF Serving client sends (strings), and one traced search per signature keeps the
served graph the one audited. A sampler's seed is fixed too, and each row's randomness
comes from its own ids, so identical requests get identical samples.
"""

import tensorflow as tf

from t2t_lite.decoding import DecodingStrategy, decode_ids, tf_fit_prompt, tf_terminate
from t2t_lite.ids import EOS_ID


class TextGenerationModule(tf.Module):
    """A trained model, its vocabularies and decoding strategy, ready to export.

    Args:
      model: the trained `T2TModel` (float32).
      vocabulary: the problem's `t2t_lite.problems.Vocabulary` objects by feature; their
        `resources()` (files for `assets/`, in-graph tokenizers) go into the export.
      max_length: inputs are fitted to this many ids (`tf_terminate` for a source,
        `tf_fit_prompt` for a prompt).
      strategy: the baked-in `DecodingStrategy`.
    """

    def __init__(
        self,
        model,
        vocabulary: dict,
        max_length: int,
        strategy: DecodingStrategy,
    ):
        super().__init__(name="t2t_lite_generation")
        self.model = model
        self.decode_input = model.decode_input
        input_vocabulary = vocabulary[self.decode_input.vocabulary]
        target_vocabulary = vocabulary["targets"]
        # tf.Module tracks the model's variables through this list.
        self.model_variables = list(model.weights)
        self.input_vocabulary = input_vocabulary
        self.target_vocabulary = target_vocabulary
        resources = [input_vocabulary.resources(), target_vocabulary.resources()]
        # In-graph tokenizers own resources (the sentencepiece model) that a SavedModel
        # must track to restore; a vocabulary shared by inputs and targets counts once.
        self.tokenizers = list({id(t): t for r in resources for t in r.trackables}.values())
        self.assets = [
            tf.saved_model.Asset(path)
            for path in dict.fromkeys(f for r in resources for f in r.files)
        ]
        self.max_length = max_length
        self.strategy = strategy

    def _search(self, ids: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """`[batch, length]` int ids -> ids `[batch(, beam), decode_length]`, scores."""
        return decode_ids(self.model, ids, self.strategy)

    def _prepare(self, ragged_ids: tf.RaggedTensor) -> tf.Tensor:
        if self.decode_input.keep == "first":
            return tf_terminate(ragged_ids, self.max_length)
        return tf_fit_prompt(ragged_ids, self.max_length)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="inputs")])
    def serve_text(self, inputs):
        blank = tf.equal(tf.strings.strip(inputs), "")
        if self.decode_input.blank_is_unconditional:
            # A blank prompt is decoded with no prompt at all, as t2t-decoder does.
            inputs = tf.where(blank, "", inputs)
            blank = tf.zeros_like(blank)
        ids = self._prepare(self.input_vocabulary.tf_encode(inputs))
        out_ids, scores = self._search(ids)
        if self.strategy.return_beams:
            shape = tf.shape(out_ids)
            flat = tf.reshape(out_ids, [-1, shape[2]])
            texts = tf.reshape(self.target_vocabulary.tf_decode(flat), shape[:2])
            texts = tf.where(blank[:, tf.newaxis], "", texts)
            scores = tf.where(blank[:, tf.newaxis], 0.0, scores)
        else:
            texts = tf.where(blank, "", self.target_vocabulary.tf_decode(out_ids))
            scores = tf.where(blank, 0.0, scores)
        return {"outputs": texts, "scores": scores}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="input")])
    def serve_examples(self, serialized):
        feature = self.decode_input.feature
        features = tf.io.parse_example(serialized, {feature: tf.io.RaggedFeature(tf.int64)})
        ids = features[feature]
        # With or without the EOS T2T's examples end in: truncated as text inputs are.
        ids = self._prepare(tf.ragged.boolean_mask(ids, tf.not_equal(ids, EOS_ID)))
        out_ids, scores = self._search(ids)
        return {"outputs": out_ids, "scores": scores}

    def signatures(self) -> dict:
        return {
            "serving_default": self.serve_text.get_concrete_function(),
            "serialized_example": self.serve_examples.get_concrete_function(),
        }
