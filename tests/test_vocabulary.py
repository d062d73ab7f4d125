import pytest
import tensorflow as tf

from t2t_lite.problems.vocabulary import (
    IntegerSymbolVocabulary,
    SubwordVocabulary,
    train_subword_model,
)

SENTENCES = [
    "A man in an orange hat starring at something.",
    "Ein Mann mit einem orangefarbenen Hut, der etwas anstarrt.",
    "Two dogs play in the snow near a fence.",
    "Zwei Hunde spielen im Schnee neben einem Zaun.",
    "A little girl climbs into a wooden playhouse.",
    "Ein kleines Mädchen klettert in ein Spielhaus aus Holz.",
] * 20


@pytest.fixture(scope="module")
def subword_model():
    return train_subword_model(SENTENCES, vocab_size=320, seed=3)


@pytest.fixture
def subword(subword_model):
    # Per test: the autouse seed fixture's tf.random.set_seed clears TensorFlow's kernel
    # cache, which drops the tokenizer's resource.
    return SubwordVocabulary(subword_model)


def test_integer_symbols_round_trip():
    vocab = IntegerSymbolVocabulary(10)
    assert vocab.vocab_size == 12
    assert vocab.encode("1 0 9 3") == [3, 2, 11, 5]
    assert vocab.decode([3, 2, 11, 5]) == "1 0 9 3"
    assert vocab.decode([3, 2, 1, 7, 0]) == "1 0"  # cut at EOS
    assert vocab.decode([]) == ""
    decoded = vocab.tf_decode(tf.constant([[3, 4, 1, 0], [5, 0, 0, 0]])).numpy().tolist()
    assert decoded == [b"1 2", b"3"]
    assert vocab.tf_encode(tf.constant(["1 0", "9"])).to_list() == [[3, 2], [11]]


@pytest.mark.parametrize("text", ["1 x", "10", "-1"])
def test_integer_symbols_reject_bad_text(text):
    with pytest.raises(ValueError, match=repr(text)):
        IntegerSymbolVocabulary(10).encode(text)


def test_subword_reserves_pad_and_eos(subword):
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_proto=subword.model_proto)
    assert processor.pad_id() == 0 and processor.eos_id() == 1 and processor.bos_id() == -1
    ids = subword.encode("Two dogs play.")
    assert ids and min(ids) >= 2 and max(ids) < subword.vocab_size


@pytest.mark.parametrize(
    "text",
    ["Ein kleines Mädchen klettert.", "two  spaces inside", "unseen chars: ☃ 🙂 日本語", ""],
)
def test_subword_round_trip_is_exact(subword, text):
    assert subword.decode(subword.encode(text)) == text


def test_subword_decode_stops_at_eos_and_ignores_padding(subword):
    ids = subword.encode("Two dogs")
    padded = tf.constant([ids + [1] + ids + [0, 0]])
    assert subword.tf_decode(padded).numpy()[0].decode() == "Two dogs"


def test_subword_training_is_deterministic():
    a = train_subword_model(SENTENCES, vocab_size=320, seed=3)
    b = train_subword_model(SENTENCES, vocab_size=320, seed=3)
    assert a == b
