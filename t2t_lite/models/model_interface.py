"""The model interface: what a registered model declares to the rest of the workflow.

Problems, the input pipeline, training, decoding, runs and export talk to this interface
and never to one model class (as OpenNMT-tf's `Model` base serves its sequence-to-sequence
model, language model and classifier under one runner). A model declares:

- the features it consumes and their kinds (`feature_spec`), which the problem's features
  must meet;
- its loss targets and which positions count (`loss_labels`);
- how it is built from a run's hparams (`from_run_hparams`);
- its decode protocol: `begin_decode` (encode, or prefill a prompt, into a cache) and then
  `decode_step`, one position at a time;
- what a line of user text becomes for decoding and serving (`decode_input`).

Pure Keras: importing it loads no TensorFlow.
"""

import dataclasses
from typing import TYPE_CHECKING

import keras
from keras import ops

from t2t_lite.ids import PAD_ID

if TYPE_CHECKING:
    from t2t_lite.hparams import HParams

# The feature kinds problems write, and their dtype on disk: "ids" are variable-length id
# sequences (0 pads, EOS ends them) read through the vocabulary of the same name; an
# "image" is one encoded PNG or JPEG; a "label" is one class id of the label vocabulary.
FEATURE_KINDS = {"ids": "int64", "image": "string", "label": "int64"}
# What a model does with its features: generates ids one position at a time, or scores
# classes once.
TASKS = ("generation", "classification")


@dataclasses.dataclass(frozen=True)
class FeatureSpec:
    """One feature a model consumes: its kind (`FEATURE_KINDS`), dtype on disk, and the
    problem vocabulary that encodes it (None for images)."""

    kind: str = "ids"
    dtype: str = "int64"
    vocabulary: str | None = "targets"


@dataclasses.dataclass(frozen=True)
class DecodeInput:
    """What a line a user decodes (a file line, a served string) becomes.

    Attributes:
      vocabulary: the problem vocabulary that encodes the line.
      feature: the feature name a served `tf.train.Example` carries it in.
      append_eos: the ids end in EOS (a source sentence) or not (a prompt to continue).
      keep: with more than `max_length - 1` ids, keep the "first" ones (a source, as
        trained) or the "last" ones (a prompt: the continuation follows its end). The two
        rules exist as these pairs: (True, "first") and (False, "last").
      blank_is_unconditional: a blank line is decoded with no prompt (a language model)
        rather than answered with an empty line without running the model.
    """

    vocabulary: str
    feature: str
    append_eos: bool
    keep: str
    blank_is_unconditional: bool

    def __post_init__(self):
        if (self.append_eos, self.keep) not in ((True, "first"), (False, "last")):
            raise ValueError(
                f"DecodeInput(append_eos={self.append_eos}, keep={self.keep!r}): a source "
                "keeps its first ids and ends in EOS, a prompt keeps its last ids"
            )


SOURCE_SENTENCE = DecodeInput("inputs", "inputs", True, "first", False)
PROMPT = DecodeInput("targets", "targets", False, "last", True)


class T2TModel(keras.Model):
    """Base of the models `--model` names (see `register_model`).

    Subclasses implement `feature_spec`, `from_run_hparams` and `call` (logits for the
    features, teacher-forced). A generating model (`task = "generation"`) also
    implements `begin_decode` and `decode_step` and sets `decode_input`; a classifier
    (`task = "classification"`) returns logits `[batch, classes]` and overrides
    `loss_labels`. `registered_name` is set by `register_model`.
    """

    registered_name: str = ""
    task: str = "generation"
    decode_input: DecodeInput = SOURCE_SENTENCE

    @classmethod
    def feature_spec(cls, hparams: "HParams") -> dict[str, FeatureSpec]:
        """The features the model built from `hparams` consumes, by name."""
        raise NotImplementedError

    @classmethod
    def from_run_hparams(cls, hparams: "HParams", **kwargs) -> "T2TModel":
        """The model of a run's hparams (with the problem entries `with_problem_hparams`
        adds: vocabulary sizes, `has_inputs`); `kwargs` go to the Keras constructor."""
        raise NotImplementedError

    def loss_labels(self, features: dict) -> tuple:
        """`(labels [batch, length] int, weights [batch, length] float32)`: what the logits
        of `call(features)` predict, and how much each position counts in the loss and
        the metrics. Default: the targets, every non-pad position (EOS included) once."""
        labels = ops.cast(features["targets"], "int32")
        return labels, ops.cast(ops.not_equal(labels, PAD_ID), "float32")

    def begin_decode(self, source_ids, extra_length: int, rows_per_input: int = 1) -> tuple:
        """Prepares decoding `source_ids` `[batch, length]` (`decode_input`'s ids,
        0-padded on the right).

        Returns `(memory, cache, decode_length)`: what every `decode_step` reads and none
        changes, the initial cache (what a beam search reorders), and the most ids a
        search writes. Each input's state is repeated over `rows_per_input` adjacent rows.
        """
        raise NotImplementedError

    def decode_step(self, ids, position, cache, memory) -> tuple:
        """`ids` `[rows, 1]` fed at search position `position` (pad id 0 at position 0)
        -> `(logits [rows, vocab] float32, updated cache)`."""
        raise NotImplementedError


def repeat_rows(nested, rows_per_input: int) -> object:
    """Every tensor of `nested` with each row repeated `rows_per_input` times, adjacent."""
    if rows_per_input == 1:
        return nested
    return keras.tree.map_structure(lambda x: ops.repeat(x, rows_per_input, axis=0), nested)
