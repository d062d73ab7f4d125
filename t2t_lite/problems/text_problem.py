"""Base of the text problems: text examples per split (translation pairs, or a language
model's lines) and one vocabulary of a registered type (sentencepiece by default), built
at generation time from the train split and shared by every feature."""

import abc
import os
from collections.abc import Iterator

from absl import logging

from t2t_lite.errors import DataError
from t2t_lite.problems.problem import DEV, TEST, TRAIN, Problem
from t2t_lite.problems.t2t_subwords import T2T_VOCAB_SUFFIX, t2t_vocabulary_path
from t2t_lite.problems.vocabulary import StoredVocabulary, vocabulary_type
from t2t_lite.utils import file_system as fs

_ENCODE_BATCH = 2048


class TextProblem(Problem):
    """Subclasses implement `text_examples(split, tmp_dir)`; `vocab_type` names the
    registered vocabulary type (`t2t_lite.problems.vocabulary.register_vocabulary`)."""

    vocab_type = "sentencepiece"
    approx_vocab_size = 8000
    num_shards = {TRAIN: 10, DEV: 1, TEST: 1}

    def __init__(self, was_reversed: bool = False):
        super().__init__(was_reversed)
        self._text_pairs_cache: dict[tuple[str, str], list[tuple[str, str]]] = {}

    @abc.abstractmethod
    def text_examples(self, split: str, tmp_dir: str) -> list[tuple[str, ...]]:
        """One split's texts, a tuple per example in `features` order."""

    def _cached_text_examples(self, split: str, tmp_dir: str) -> list[tuple[str, ...]]:
        # The train split is needed twice, for the vocabulary and for the ids; reading it
        # once matters for big corpora (WMT's 4.5M pairs come through TFDS).
        key = (split, tmp_dir)
        if key not in self._text_pairs_cache:
            self._text_pairs_cache[key] = self.text_examples(split, tmp_dir)
        return self._text_pairs_cache[key]

    @property
    def vocabulary_class(self) -> type[StoredVocabulary]:
        return vocabulary_type(self.vocab_type)

    @property
    def vocab_filename(self) -> str:
        suffix = self.vocabulary_class.file_suffix
        return f"vocab.{self.dataset_name}.{self.approx_vocab_size}.{suffix}"

    def vocab_path(self, data_dir: str) -> str:
        """The problem's vocabulary file in `data_dir`; where it is missing and the
        data_dir is T2T's, T2T's `vocab.<problem>.<size>.subwords` instead."""
        own = os.path.join(data_dir, self.vocab_filename)
        if self.vocab_type != T2T_VOCAB_SUFFIX and not fs.exists(own):
            t2t = t2t_vocabulary_path(data_dir, self.dataset_name)
            if t2t is not None:
                return t2t
        return own

    def vocabulary_class_of(self, path: str) -> type[StoredVocabulary]:
        """The vocabulary type that reads `path` (T2T's subwords, or `vocab_type`'s)."""
        if path.endswith("." + T2T_VOCAB_SUFFIX):
            return vocabulary_type(T2T_VOCAB_SUFFIX)
        return self.vocabulary_class

    def vocabulary_files(self, data_dir: str) -> list[str]:
        return [self.vocab_path(data_dir)]

    def prepare_vocabulary(
        self, data_dir: str, tmp_dir: str, seed: int, overwrite: bool = False
    ) -> list[str]:
        path = self.vocab_path(data_dir)
        if fs.exists(path) and not overwrite:
            logging.info("using the existing vocabulary %s", path)
            return []
        examples = self._cached_text_examples(TRAIN, tmp_dir)
        logging.info(
            "building a %d-id %s vocabulary from %d train examples",
            self.approx_vocab_size,
            self.vocab_type,
            len(examples),
        )
        sentences = (sentence for example in examples for sentence in example)
        model = self.vocabulary_class.train(sentences, self.approx_vocab_size, seed)
        staged = fs.temporary_path(path)
        with fs.GFile(staged, "wb") as f:
            f.write(model)
        return [staged]

    def vocabulary(self, data_dir: str) -> dict:
        path = self.vocab_path(data_dir)
        if not fs.exists(path):
            raise DataError(
                f"no vocabulary {path}; run t2t-datagen --problem={self.dataset_name} first"
            )
        vocab = self.vocabulary_class_of(path).load(path)
        return {name: vocab for name in self.features}

    def generate_ids(self, split: str, data_dir: str, tmp_dir: str, seed: int) -> Iterator:
        # A vocabulary trained by this run is still under its temporary name.
        staged = fs.temporary_path(self.vocab_path(data_dir))
        vocab = (
            self.vocabulary_class.load(staged)
            if fs.exists(staged)
            else self.vocabulary(data_dir)["targets"]
        )
        examples = self._cached_text_examples(split, tmp_dir)
        for start in range(0, len(examples), _ENCODE_BATCH):
            chunk = examples[start : start + _ENCODE_BATCH]
            columns = [vocab.encode_batch(list(texts)) for texts in zip(*chunk, strict=True)]
            yield from zip(*columns, strict=True)


class Text2TextProblem(TextProblem):
    """Translation: subclasses implement `text_pairs(split, tmp_dir)`."""

    reversible = True

    @abc.abstractmethod
    def text_pairs(self, split: str, tmp_dir: str) -> list[tuple[str, str]]:
        """`(source, target)` sentences of `split`."""

    def text_examples(self, split: str, tmp_dir: str) -> list[tuple[str, ...]]:
        return self.text_pairs(split, tmp_dir)


class LanguageModelProblem(TextProblem):
    """A language model's text (T2T's `has_inputs=False`): subclasses implement
    `text_lines(split, tmp_dir)`, one example per non-empty line; examples have
    `targets` alone."""

    features = ("targets",)
    num_shards = {TRAIN: 10, DEV: 1}

    @abc.abstractmethod
    def text_lines(self, split: str, tmp_dir: str) -> list[str]:
        """The non-empty lines of `split`."""

    def text_examples(self, split: str, tmp_dir: str) -> list[tuple[str, ...]]:
        return [(line,) for line in self.text_lines(split, tmp_dir)]


class UserFilesMixin:
    """What the problems over a user's own files share (`translate_parallel_text`,
    `languagemodel_text_files`): the files by split, given to generate data (not to read
    it back), `train` required, and a vocabulary file named without its size (the size
    is the user's choice, so readers find the file without being told it)."""

    def _set_corpus(self, corpus: dict | None, approx_vocab_size: int, train_flags: str) -> None:
        self.corpus = dict(corpus or {})
        self.approx_vocab_size = approx_vocab_size
        if self.corpus:
            if TRAIN not in self.corpus:
                raise DataError(f"{self.dataset_name} needs {train_flags}")
            self.num_shards = {split: (10 if split == TRAIN else 1) for split in self.corpus}

    def _split_files(self, split: str):
        if split not in self.corpus:
            raise DataError(f"{self.dataset_name}: no files given for the {split} split")
        return self.corpus[split]

    @property
    def vocab_filename(self) -> str:
        return f"vocab.{self.dataset_name}.{self.vocabulary_class.file_suffix}"
