"""T2T's `SubwordTextEncoder` (`vocab.<problem>.<size>.subwords` files), in the graph.

T2T's rules, from `tensor2tensor/data_generators/text_encoder.py` and `tokenizer.py`:
- Text splits into tokens at every change between alphanumeric (Unicode letters and
  numbers) and other characters; a single space between two tokens is dropped.
- Each token is escaped: `\\` -> `\\\\`, `_` -> `\\u`, a character outside the
  vocabulary's alphabet (or a newline) -> `\\<code point>;`, and `_` ends it.
- Escaped tokens split into subtokens greedily, longest match first.
- Decoding joins the subtokens, splits at `_`, unescapes, and puts a space between two
  tokens that both start alphanumeric.

Every step here is a core TensorFlow or TensorFlow Text op, so an export serves it; the
same methods run eagerly for the decoder binary.
"""

import os

import tensorflow as tf
import tensorflow_text as tf_text

from t2t_lite.errors import DataError
from t2t_lite.problems.vocabulary import (
    StoredVocabulary,
    VocabularyResources,
    _cut_at_eos,
    register_vocabulary,
)
from t2t_lite.utils import file_system as fs

# The ending of T2T's vocabulary files: `vocab.<problem>.<size>.subwords`.
T2T_VOCAB_SUFFIX = "subwords"


def t2t_vocabulary_path(data_dir: str, dataset_name: str) -> str | None:
    """`<data_dir>/vocab.<dataset_name>.<size>.subwords`, T2T's vocabulary of the problem,
    or None. Two sizes of it are a `DataError` naming both."""
    found = sorted(fs.glob(os.path.join(data_dir, f"vocab.{dataset_name}.*.{T2T_VOCAB_SUFFIX}")))
    found = [path for path in found if os.path.basename(path).split(".")[2].isdigit()]
    if len(found) > 1:
        raise DataError(
            f"{data_dir} holds {len(found)} T2T vocabularies of {dataset_name}: "
            f"{', '.join(map(os.path.basename, found))}; keep one"
        )
    return found[0] if found else None


# Runs of alphanumeric characters, or of anything else: T2T's tokens.
_TOKEN = r"[\p{L}\p{N}]+|[^\p{L}\p{N}]+"
_ESCAPE_CHARS = set("\\_u;0123456789")
_ESCAPE = r"\\u|\\\\|\\[0-9]+;"
_MAX_CODE_POINT = 0x10FFFF
# What T2T's unescaping gives for a code point Python cannot make a character of.
_UNDEFINED = "\u3013"


def read_subtokens(path: str) -> list[str]:
    """The subtoken strings of a T2T vocabulary file, one a line, optionally quoted
    (T2T's `_load_from_file_object`)."""
    subtokens = []
    for line in fs.read_text(path).split("\n"):
        s = line.rstrip()
        if s[:1] in ("'", '"') and s.endswith(s[:1]):  # as T2T: a lone quote becomes ""
            s = s[1:-1]
        subtokens.append(s)
    # The file ends with a newline: the empty line after it is no subtoken.
    if subtokens and subtokens[-1] == "":
        subtokens.pop()
    return subtokens


@register_vocabulary(T2T_VOCAB_SUFFIX)
class T2TSubwordVocabulary(StoredVocabulary):
    """T2T's `SubwordTextEncoder`, read from its `.subwords` file.

    Ids are positions in the file: T2T's files start with `<pad>` and `<EOS>`, so 0 is
    pad and 1 is EOS as everywhere in t2t_lite.

    Args:
      subtokens: the subtoken strings, in id order.
      path: the file they were read from, shipped with exports (None: in memory only).
    """

    file_suffix = T2T_VOCAB_SUFFIX

    def __init__(self, subtokens: list[str], path: str | None = None):
        if len(subtokens) < 3:
            raise DataError(f"{path or 'subword vocabulary'}: {len(subtokens)} subtokens")
        self.subtokens = list(subtokens)
        self.path = path
        self.vocab_size = len(subtokens)
        ids = {}
        for i, s in enumerate(self.subtokens):
            if s:  # T2T never matches an empty subtoken; a repeated one keeps its first id
                ids.setdefault(s, i)
        self._ids = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(
                list(ids), tf.constant(list(ids.values()), tf.int64)
            ),
            default_value=-1,
        )
        alphabet = sorted({c for s in self.subtokens for c in s} | _ESCAPE_CHARS)
        # T2T's builder makes every character a subtoken of its own, so that any escaped
        # token can be split; a file without them would leave pieces with no id.
        missing = [c for c in alphabet if c not in ids]
        if missing:
            raise DataError(
                f"{path or 'subword vocabulary'}: not a T2T subword vocabulary: the "
                f"characters {''.join(missing)!r} are not subtokens of their own"
            )
        self._alphabet = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(alphabet, tf.ones([len(alphabet)], tf.int64)),
            default_value=0,
        )
        self._tokenizer = tf_text.WordpieceTokenizer(
            self._ids,
            suffix_indicator="",
            max_bytes_per_word=1 << 30,
            token_out_type=tf.int64,
            unknown_token=None,
        )
        self._strings = tf.constant(self.subtokens + [""])  # the last one: out-of-range ids

    @classmethod
    def load(cls, path: str) -> "T2TSubwordVocabulary":
        try:
            return cls(read_subtokens(path), path)
        except UnicodeDecodeError as error:
            raise DataError(f"{path}: not a UTF-8 T2T subword vocabulary ({error})") from None

    @classmethod
    def train(cls, sentences, vocab_size: int, seed: int) -> bytes:
        raise DataError(
            "t2t_lite reads T2T's subword vocabularies but does not build them: generate "
            "with vocab_type sentencepiece, or bring the .subwords file T2T wrote"
        )

    def resources(self) -> VocabularyResources:
        return VocabularyResources(
            files=(self.path,) if self.path else (),
            trackables=(self._ids, self._alphabet, self._tokenizer),
        )

    # -- encoding -----------------------------------------------------------------------

    def tf_encode(self, texts: tf.Tensor) -> tf.RaggedTensor:
        tokens = _tokenize(tf.convert_to_tensor(texts, tf.string))
        escaped = tokens.with_flat_values(self._escape(tokens.flat_values))
        pieces = self._tokenizer.tokenize(escaped)  # [batch, tokens, subtokens]
        return pieces.merge_dims(1, 2)

    def _escape(self, tokens: tf.Tensor) -> tf.Tensor:
        """`[n]` tokens -> `[n]` escaped tokens, each ending in `_`."""
        tokens = tf.strings.regex_replace(tokens, r"\\", r"\\\\")
        tokens = tf.strings.regex_replace(tokens, "_", r"\\u")
        chars = tf.strings.unicode_split(tokens, "UTF-8", errors="replace")
        points = tf.strings.unicode_decode(tokens, "UTF-8", errors="replace")
        keep = tf.logical_and(
            tf.equal(self._alphabet.lookup(chars.flat_values), 1),
            tf.not_equal(chars.flat_values, "\n"),
        )
        escaped = tf.strings.join(["\\", tf.strings.as_string(points.flat_values), ";"])
        chars = chars.with_flat_values(tf.where(keep, chars.flat_values, escaped))
        return tf.strings.join([tf.strings.reduce_join(chars, axis=1), "_"])

    # -- decoding -----------------------------------------------------------------------

    def tf_decode(self, ids: tf.Tensor) -> tf.Tensor:
        ids = _cut_at_eos(ids)
        in_range = tf.logical_and(ids >= 0, ids < self.vocab_size)
        ids = tf.ragged.map_flat_values(tf.where, in_range, ids, self.vocab_size)
        joined = tf.strings.reduce_join(tf.gather(self._strings, ids), axis=1)
        tokens = tf.strings.split(joined, "_")  # [batch, tokens]
        tokens = tf.ragged.boolean_mask(tokens, tf.not_equal(tokens, ""))
        tokens = tokens.with_flat_values(_unescape(tokens.flat_values))
        tokens = tf.ragged.boolean_mask(tokens, tf.not_equal(tokens, ""))
        return _join_tokens(tokens)


def _tokenize(texts: tf.Tensor) -> tf.RaggedTensor:
    """`[batch]` texts -> `[batch, tokens]`: T2T's `tokenizer.encode`, which keeps a lone
    space token only at the start or the end of a text."""
    tokens = tf_text.regex_split(texts, _TOKEN, _TOKEN)
    position = tf.ragged.range(tokens.row_lengths())
    last = tf.expand_dims(tokens.row_lengths() - 1, 1)
    keep = tf.logical_or(
        tf.not_equal(tokens, " "),
        tf.logical_or(tf.equal(position, 0), tf.equal(position, last)),
    )
    return tf.ragged.boolean_mask(tokens, keep)


def _unescape(tokens: tf.Tensor) -> tf.Tensor:
    """`[n]` escaped tokens (without their `_`) -> `[n]` text: T2T's `_unescape_token`."""
    parts = tf_text.regex_split(tokens, _ESCAPE, _ESCAPE)  # [n, parts]
    flat = parts.flat_values
    is_code = tf.strings.regex_full_match(flat, r"\\[0-9]+;")
    digits = tf.strings.regex_replace(flat, r"^\\([0-9]+);$", r"\1")
    # Python's chr takes 0 ... 0x10FFFF; at most 7 digits keeps to_number from overflowing.
    short = tf.logical_and(is_code, tf.strings.length(digits) <= 7)
    code = tf.strings.to_number(tf.where(short, digits, "0"), tf.int64)
    valid = tf.logical_and(short, code <= _MAX_CODE_POINT)
    char = tf.strings.unicode_encode(
        tf.expand_dims(tf.cast(tf.where(valid, code, 0), tf.int32), 1),
        "UTF-8",
        errors="replace",
    )
    char = tf.where(valid, char, _UNDEFINED)
    flat = tf.where(is_code, char, flat)
    flat = tf.where(tf.equal(flat, r"\u"), "_", flat)
    flat = tf.where(tf.equal(flat, "\\\\"), "\\", flat)
    return tf.strings.reduce_join(parts.with_flat_values(flat), axis=1)


def _join_tokens(tokens: tf.RaggedTensor) -> tf.Tensor:
    """`[batch, tokens]` -> `[batch]`: T2T's `tokenizer.decode`, a space between two
    tokens that both start with a letter or number."""
    flat = tokens.flat_values
    alnum = tf.strings.regex_full_match(
        tf.strings.substr(flat, 0, 1, unit="UTF8_CHAR"), r"[\p{L}\p{N}]"
    )
    first = tf.equal(tf.ragged.range(tokens.row_lengths()).flat_values, 0)
    previous = tf.concat([[False], alnum[:-1]], 0)
    space = tf.logical_and(tf.logical_not(first), tf.logical_and(previous, alnum))
    flat = tf.where(space, tf.strings.join([" ", flat]), flat)
    return tf.strings.reduce_join(tokens.with_flat_values(flat), axis=1)
