"""T2T's SubwordTextEncoder as a t2t_lite vocabulary: T2T's own ids (goldens computed by
T2T 1.15.7), its round trip, and its escaping rules."""

import json

import pytest
import tensorflow as tf

from t2t_lite.errors import DataError
from t2t_lite.problems import vocabulary_type
from t2t_lite.problems.t2t_subwords import T2TSubwordVocabulary, read_subtokens

from shared_data import require_t2t


@pytest.fixture(scope="module")
def t2t():
    return require_t2t()


@pytest.fixture(scope="module")
def golden(t2t):
    return json.loads((t2t / "transformer_test_ckpt_golden.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def vocab(t2t):
    return vocabulary_type("subwords").load(str(t2t / "vocab.translate_ende_wmt8k.8192.subwords"))


def test_vocabulary_file_reads_as_t2t_does(t2t, vocab):
    subtokens = read_subtokens(str(t2t / "vocab.translate_ende_wmt8k.8192.subwords"))
    assert vocab.vocab_size == len(subtokens) == 8190
    assert subtokens[:3] == ["<pad>", "<EOS>", "_"]
    assert "\\" in subtokens and "\\u_" in subtokens  # quotes removed, backslashes kept


def test_ids_are_t2ts_for_every_golden_string(vocab, golden):
    texts = list(golden["vocab"])
    assert vocab.encode_batch(texts) == [golden["vocab"][text] for text in texts]


def test_decode_of_encode_is_t2ts_and_gives_the_text_back(vocab, golden):
    texts = list(golden["vocab"])
    decoded = vocab.decode_batch(vocab.encode_batch(texts))
    assert decoded == texts
    for text, expected in golden["decode_roundtrip"].items():
        assert vocab.decode(vocab.encode(text)) == expected == text


def test_decoding_stops_at_eos_and_skips_padding(vocab, golden):
    ids = golden["vocab"]["A guy works on a building."]
    assert vocab.decode(ids + [1] + ids) == "A guy works on a building."
    padded = tf.constant([ids + [1, 0, 0], [0] * (len(ids) + 3)])
    assert vocab.tf_decode(padded).numpy().tolist() == [b"A guy works on a building.", b""]


def small_vocab(*more):
    # Id: 0 pad, 1 EOS, then subtokens; as in every file T2T builds, each character of
    # the alphabet (T2T's escape characters included) is a subtoken.
    singles = sorted(set("<pad>EOS_ab \\u;0123456789").union(*more))
    return T2TSubwordVocabulary(["<pad>", "<EOS>", "ab_", *more, *singles])


def test_escapes_follow_t2t():
    vocab = small_vocab()
    strings = vocab.subtokens
    pieces = lambda text: "".join(strings[i] for i in vocab.encode(text))  # noqa: E731
    # Longest match first; a lone space between two tokens is dropped, T2T's tokens
    # alternate between alphanumeric runs and the rest.
    assert pieces("ab ab") == "ab_ab_"
    # `_`, `\` and characters outside the alphabet (`c` = 99, newline = 10) are escaped.
    assert pieces("a_b") == "a_" + "\\u_" + "b_"  # three tokens: `_` is not alphanumeric
    assert pieces("c") == "\\99;_"
    assert pieces("\n") == "\\10;_"
    assert pieces("\\") == "\\\\_"
    for text in ["a_b", "c", "\n", "\\", " ab  b ", "ab\\c_ \u2603"]:
        assert vocab.decode(vocab.encode(text)) == text


def test_decoding_unescapes_as_t2t_including_bad_code_points():
    vocab = small_vocab("1114112;", "65;", "x")
    at = vocab.subtokens.index
    # `\65;` is "A"; `\1114112;` is past chr's range: T2T gives U+3013. Out-of-range ids
    # decode to nothing.
    ids = [at("\\"), at("65;"), at("x"), at("_"), at("\\"), at("1114112;"), at("_"), 999]
    assert vocab.decode(ids) == "Ax\u3013"


def test_a_file_without_single_character_subtokens_is_refused(tmp_path):
    path = tmp_path / "vocab.x.10.subwords"
    path.write_text("'<pad>'\n'<EOS>'\n'ab_'\n", encoding="utf-8")
    with pytest.raises(DataError, match=f"{path}: not a T2T subword vocabulary"):
        T2TSubwordVocabulary.load(str(path))


def test_encoding_runs_in_a_traced_function(vocab, golden):
    encode = tf.function(vocab.tf_encode, input_signature=[tf.TensorSpec([None], tf.string)])
    text = "Three people sit in a cave."
    assert encode(tf.constant([text])).to_list() == [golden["vocab"][text]]


def test_problems_read_t2t_vocabularies_from_a_t2t_data_dir(t2t, tmp_path):
    from t2t_lite.problems import get_problem

    # A registered problem whose own (sentencepiece) file is missing reads T2T's.
    name = "vocab.translate_ende_wmt32k.32768.subwords"
    (tmp_path / name).write_bytes((t2t / name).read_bytes())
    vocab = get_problem("translate_ende_wmt32k").vocabulary(str(tmp_path))["inputs"]
    assert isinstance(vocab, T2TSubwordVocabulary) and vocab.path.endswith(name)
    # An unregistered one is read from T2T's files when its vocabulary is there.
    problem = get_problem("translate_ende_wmt8k_rev", data_dir=str(t2t / "t2t_data_dir"))
    assert (problem.name, problem.dataset_name) == (
        "translate_ende_wmt8k_rev",
        "translate_ende_wmt8k",
    )
    assert problem.vocabulary(str(t2t / "t2t_data_dir"))["targets"].vocab_size == 8190
    with pytest.raises(DataError, match="unknown problem 'translate_ende_wmt8k'"):
        get_problem("translate_ende_wmt8k", data_dir=str(tmp_path))
