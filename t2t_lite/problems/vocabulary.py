"""Vocabularies: text <-> ids, in Python and in-graph. Ids 0 = pad and 1 = EOS are reserved.

`SubwordVocabulary` is a sentencepiece model trained at generation time and applied with
`tensorflow_text.SentencepieceTokenizer`, so the same op later goes into the SavedModel.
`IntegerSymbolVocabulary` is T2T's algorithmic text form: symbols as space-separated
integers, shifted by the two reserved ids.
"""

import abc
import dataclasses
import io
from collections.abc import Callable, Iterable

import tensorflow as tf
import tensorflow_text as tf_text

from t2t_lite.ids import EOS_ID, NUM_RESERVED_IDS, PAD_ID
from t2t_lite.utils import file_system as fs
from t2t_lite.utils.named_classes import name_registrar

# sentencepiece puts its unknown piece right after the reserved ids.
UNK_ID = NUM_RESERVED_IDS


@dataclasses.dataclass(frozen=True)
class VocabularyResources:
    """What a SavedModel that encodes or decodes with a vocabulary in its graph needs:
    `files` to ship in its `assets/`, and `trackables` (in-graph resources, such as a
    tokenizer's model) that it must track to restore them."""

    files: tuple[str, ...] = ()
    trackables: tuple = ()


class Vocabulary(abc.ABC):
    """Interface: `vocab_size`, encoding/decoding in Python and in TensorFlow, and the
    `resources` an export needs. Types stored in files derive from `StoredVocabulary`.
    """

    vocab_size: int

    def resources(self) -> VocabularyResources:
        """What an export must carry for this vocabulary (nothing by default)."""
        return VocabularyResources()

    @abc.abstractmethod
    def tf_encode(self, texts: tf.Tensor) -> tf.RaggedTensor:
        """`[batch]` strings -> ragged `[batch, None]` int64 ids (no EOS)."""

    @abc.abstractmethod
    def tf_decode(self, ids: tf.Tensor) -> tf.Tensor:
        """`[batch, length]` ids (dense or ragged) -> `[batch]` strings; decoding stops at
        the first EOS and padding is ignored."""

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        return [list(row) for row in self.tf_encode(tf.constant(texts, tf.string)).to_list()]

    def encode(self, text: str) -> list[int]:
        return self.encode_batch([text])[0]

    def decode_batch(self, ids: list[list[int]]) -> list[str]:
        ragged = tf.ragged.constant([list(row) for row in ids], dtype=tf.int64, ragged_rank=1)
        return [text.decode("utf-8") for text in self.tf_decode(ragged).numpy()]

    def decode(self, ids: Iterable[int]) -> str:
        return self.decode_batch([list(ids)])[0]


def _cut_at_eos(ids: tf.Tensor) -> tf.RaggedTensor:
    """Keeps the ids before the first EOS and drops padding, row by row."""
    if isinstance(ids, tf.RaggedTensor):
        ids = ids.to_tensor(default_value=PAD_ID)
    ids = tf.cast(ids, tf.int64)
    before_eos = tf.equal(tf.cumsum(tf.cast(tf.equal(ids, EOS_ID), tf.int32), axis=1), 0)
    keep = tf.logical_and(before_eos, tf.not_equal(ids, PAD_ID))
    return tf.ragged.boolean_mask(ids, keep)


class StoredVocabulary(Vocabulary):
    """A vocabulary kept in a file of the data_dir, which datagen builds from the corpus;
    registered with `@register_vocabulary(name)` so that a text problem picks it by its
    `vocab_type`."""

    name: str = ""  # set by `register_vocabulary`
    file_suffix: str = ""  # the file's ending, as in `vocab.<problem>.<size>.<suffix>`

    @classmethod
    @abc.abstractmethod
    def load(cls, path: str) -> "StoredVocabulary":
        """The vocabulary stored at `path`."""

    @classmethod
    @abc.abstractmethod
    def train(cls, sentences: Iterable[str], vocab_size: int, seed: int) -> bytes:
        """The bytes of a vocabulary file of about `vocab_size` ids built from `sentences`."""


_VOCABULARY_TYPES: dict[str, type[StoredVocabulary]] = {}
_register = name_registrar(_VOCABULARY_TYPES, "vocabulary type", StoredVocabulary)


def register_vocabulary(name: str) -> Callable[[type], type]:
    """Class decorator: makes a `StoredVocabulary` type available by `name`."""
    return _register(name)


def vocabulary_type(name: str) -> type[StoredVocabulary]:
    """The vocabulary type registered as `name`."""
    if name not in _VOCABULARY_TYPES:
        raise ValueError(f"unknown vocabulary type {name!r}; known: {sorted(_VOCABULARY_TYPES)}")
    return _VOCABULARY_TYPES[name]


@register_vocabulary("sentencepiece")
class SubwordVocabulary(StoredVocabulary):
    """A sentencepiece model applied with `tensorflow_text.SentencepieceTokenizer`.

    Args:
      model_proto: the serialized sentencepiece model (the bytes of its `.model` file).
      path: the file it was read from, shipped with exports (None: in memory only).
    """

    file_suffix = "model"

    def __init__(self, model_proto: bytes, path: str | None = None):
        self.model_proto = model_proto
        self.path = path
        self.tokenizer = tf_text.SentencepieceTokenizer(model=model_proto, out_type=tf.int32)
        self.vocab_size = int(self.tokenizer.vocab_size())

    @classmethod
    def load(cls, path: str) -> "SubwordVocabulary":
        return cls(fs.read_bytes(path), path)

    @classmethod
    def train(cls, sentences: Iterable[str], vocab_size: int, seed: int) -> bytes:
        return train_subword_model(sentences, vocab_size, seed=seed)

    def resources(self) -> VocabularyResources:
        return VocabularyResources(
            files=(self.path,) if self.path else (), trackables=(self.tokenizer,)
        )

    def tf_encode(self, texts: tf.Tensor) -> tf.RaggedTensor:
        return tf.cast(self.tokenizer.tokenize(texts), tf.int64)

    def tf_decode(self, ids: tf.Tensor) -> tf.Tensor:
        return self.tokenizer.detokenize(tf.cast(_cut_at_eos(ids), tf.int32))


def train_subword_model(
    sentences: Iterable[str],
    vocab_size: int,
    seed: int = 0,
    max_sentences: int = 2_000_000,
) -> bytes:
    """Trains a sentencepiece unigram model and returns its serialized proto.

    Ids 0 = pad, 1 = EOS, 2 = unknown; no BOS. Text is not normalised and whitespace is
    kept as is, so `decode(encode(s)) == s` (T2T's subword encoder was invertible too);
    characters outside the model fall back to bytes instead of becoming unknown.
    """
    import sentencepiece as spm

    # sentencepiece samples sentences with a process-wide generator; seed it for determinism.
    spm.set_random_generator_seed(seed)
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences),
        model_writer=model,
        vocab_size=vocab_size,
        model_type="unigram",
        pad_id=PAD_ID,
        eos_id=EOS_ID,
        unk_id=UNK_ID,
        bos_id=-1,
        normalization_rule_name="identity",
        remove_extra_whitespaces=False,
        byte_fallback=True,
        character_coverage=0.9999,
        input_sentence_size=max_sentences,
        shuffle_input_sentence=True,
        num_threads=1,  # determinism: the same corpus and seed give the same model
        hard_vocab_limit=False,  # small corpora cannot always reach the requested size
        minloglevel=2,
    )
    return model.getvalue()


class IntegerSymbolVocabulary(Vocabulary):
    """T2T's algorithmic text form: `"1 0 1 1"` <-> ids `[3, 2, 3, 3]`.

    Args:
      num_symbols: symbols are the integers `0 ... num_symbols - 1`.
    """

    def __init__(self, num_symbols: int):
        self.num_symbols = num_symbols
        self.vocab_size = num_symbols + NUM_RESERVED_IDS

    def tf_encode(self, texts: tf.Tensor) -> tf.RaggedTensor:
        """In-graph encoding for serving. Tokens that are not a symbol (words, signs,
        numbers out of range, bytes that are not UTF-8) are dropped rather than failing
        the whole request, so every row of a batch gets an answer."""
        tokens = tf.strings.split(tf.strings.strip(texts))
        # At most 9 digits: to_number cannot overflow, and no symbol count is that large.
        is_number = tf.strings.regex_full_match(tokens, "[0-9]{1,9}")
        numbers = tf.strings.to_number(tf.where(is_number, tokens, "0"), out_type=tf.int64)
        valid = is_number & (numbers < self.num_symbols)
        return tf.ragged.boolean_mask(numbers, valid) + NUM_RESERVED_IDS

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        result = []
        for text in texts:
            try:
                symbols = [int(token) for token in text.split()]
            except ValueError:
                raise ValueError(f"{text!r} is not space-separated integers") from None
            if any(not 0 <= s < self.num_symbols for s in symbols):
                raise ValueError(f"{text!r} has a symbol outside 0..{self.num_symbols - 1}")
            result.append([s + NUM_RESERVED_IDS for s in symbols])
        return result

    def tf_decode(self, ids: tf.Tensor) -> tf.Tensor:
        symbols = tf.strings.as_string(_cut_at_eos(ids) - NUM_RESERVED_IDS)
        return tf.strings.reduce_join(symbols, axis=1, separator=" ")
