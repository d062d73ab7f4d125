"""Text-to-image with DALL-E's structure, at digit scale: one sequence per example, a
caption's word ids, a start-of-image id, then the image's 64 grey levels in raster order
(`text2image_digits`, over scikit-learn's digits in image_digits' fixed split)."""

from collections.abc import Iterator

import numpy as np
import tensorflow as tf

from t2t_lite.ids import NUM_RESERVED_IDS
from t2t_lite.problems.image_datasets import DIGITS_LEVELS, digit_pixels, digits_split
from t2t_lite.problems.problem import DEV, TEST, TRAIN, Problem
from t2t_lite.problems.registry import register_problem
from t2t_lite.problems.vocabulary import Vocabulary, VocabularyResources

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
CAPTION_TEMPLATES = ("{d}", "the digit {word}", "a handwritten {word}")
IMAGE_SIDE = 8
IMAGE_LEVELS = DIGITS_LEVELS + 1  # 0 .. 16
IMAGE_VOCAB_START = NUM_RESERVED_IDS  # level v is id 2 + v
IMAGE_START_ID = IMAGE_VOCAB_START + IMAGE_LEVELS
CAPTION_WORDS = ("the", "digit", "a", "handwritten", *map(str, range(10)), *DIGIT_WORDS)


def caption(digit: int, template: str) -> str:
    return template.format(d=digit, word=DIGIT_WORDS[digit])


class CaptionImageVocabulary(Vocabulary):
    """Ids 0 pad, 1 EOS, 2..18 the grey levels 0..16, 19 start-of-image, then the
    caption words. A caption encodes as its word ids then start-of-image, so that a
    model continues it with an image; decoding writes words, `<image>` and the levels
    as `g0`..`g16`."""

    def __init__(self):
        self.words = list(CAPTION_WORDS)
        self.vocab_size = IMAGE_START_ID + 1 + len(self.words)
        self._tokens = [f"g{level}" for level in range(IMAGE_LEVELS)] + ["<image>"] + self.words
        # Made once: a served graph must track the table it looks words up in.
        self._table = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(
                tf.constant(self.words),
                tf.range(IMAGE_START_ID + 1, self.vocab_size, dtype=tf.int64),
            ),
            default_value=-1,
        )

    def resources(self) -> VocabularyResources:
        return VocabularyResources(trackables=(self._table,))

    def _word_ids(self, caption_text: str) -> list[int]:
        ids = []
        for word in caption_text.lower().split():
            if word not in self.words:
                raise ValueError(
                    f"unknown caption word {word!r} (the words: {', '.join(self.words)})"
                )
            ids.append(IMAGE_START_ID + 1 + self.words.index(word))
        return ids

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        return [self._word_ids(text) + [IMAGE_START_ID] for text in texts]

    def tf_encode(self, texts: tf.Tensor) -> tf.RaggedTensor:
        """In-graph, for serving, as strict as `encode_batch`: a word it does not know
        fails the request with InvalidArgumentError naming the word (a served model's
        request error), rather than an image of a caption it was not given."""
        words = tf.strings.split(tf.strings.lower(tf.strings.strip(texts)))
        ids = tf.ragged.map_flat_values(self._table.lookup, words)
        unknown = tf.boolean_mask(words.flat_values, ids.flat_values < 0)
        known = tf.debugging.Assert(
            tf.size(unknown) == 0,
            ["unknown caption word(s):", unknown, f"(the words: {', '.join(self.words)})"],
            summarize=8,
        )
        with tf.control_dependencies([known]):
            ids = tf.identity(ids)
        start = tf.fill([ids.nrows(), 1], tf.constant(IMAGE_START_ID, tf.int64))
        return tf.concat([ids, tf.RaggedTensor.from_tensor(start)], axis=1)

    def tf_decode(self, ids: tf.Tensor) -> tf.Tensor:
        from t2t_lite.problems.vocabulary import _cut_at_eos

        tokens = tf.gather(tf.constant(self._tokens), _cut_at_eos(ids) - IMAGE_VOCAB_START)
        return tf.strings.reduce_join(tokens, axis=1, separator=" ")


def levels_from_ids(ids) -> np.ndarray:
    """The 64 image ids that follow start-of-image in `ids` (or, with none there, the
    image ids themselves) -> grey levels `[8, 8]` in 0..16; missing pixels are 0."""
    ids = list(ids)
    if IMAGE_START_ID in ids:
        ids = ids[ids.index(IMAGE_START_ID) + 1 :]
    levels = [i - IMAGE_VOCAB_START for i in ids if 0 <= i - IMAGE_VOCAB_START < IMAGE_LEVELS]
    levels = (levels + [0] * IMAGE_SIDE**2)[: IMAGE_SIDE**2]
    return np.array(levels, np.int64).reshape(IMAGE_SIDE, IMAGE_SIDE)


@register_problem
class Text2imageDigits(Problem):
    """Captions to 8x8 digit images (DALL-E's structure): each train image under every
    caption template (`"{d}"`, `"the digit {word}"`, `"a handwritten {word}"`; 3,771
    examples), each dev and test image under one (180 and 360). A model generates an
    image after a caption; `image_shape` and `pixels_from_ids` turn its ids into pixels.
    """

    features = ("targets",)
    num_shards = {TRAIN: 1, DEV: 1, TEST: 1}
    image_shape = (IMAGE_SIDE, IMAGE_SIDE)
    image_tokens = IMAGE_SIDE * IMAGE_SIDE

    def vocabulary(self, data_dir: str) -> dict:
        return {"targets": CaptionImageVocabulary()}

    def model_hparams(self) -> dict:
        # DALL-E weighs the caption's tokens 1/8 and the image's 7/8 (Ramesh et al. 2021).
        return {
            "image_start_id": IMAGE_START_ID,
            "image_vocab_start": IMAGE_VOCAB_START,
            "image_vocab_size": IMAGE_LEVELS,
            "image_loss_share": 7 / 8,
        }

    def generate_ids(self, split: str, data_dir: str, tmp_dir: str, seed: int) -> Iterator:
        vocabulary = CaptionImageVocabulary()
        levels, digits = digits_split(split)
        for index, (image, digit) in enumerate(zip(levels, digits, strict=True)):
            templates = (
                CAPTION_TEMPLATES
                if split == TRAIN
                else [CAPTION_TEMPLATES[index % len(CAPTION_TEMPLATES)]]
            )
            for template in templates:
                (ids,) = vocabulary.encode_batch([caption(int(digit), template)])
                yield (ids + [IMAGE_VOCAB_START + int(v) for v in image.flatten()],)

    @staticmethod
    def pixels_from_ids(ids) -> np.ndarray:
        """uint8 `[8, 8]` pixels (grey levels scaled to 0..255) of a generated image."""
        return digit_pixels(levels_from_ids(ids))
