"""Base of the translation problems: text pairs per split and a joint vocabulary of a
registered type (sentencepiece by default) built at generation time."""

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


class Text2TextProblem(Problem):
    """Subclasses implement `text_pairs(split, tmp_dir)`; `vocab_type` names the registered
    vocabulary type (`t2t_lite.problems.vocabulary.register_vocabulary`)."""

    reversible = True
    vocab_type = "sentencepiece"
    approx_vocab_size = 8000
    num_shards = {TRAIN: 10, DEV: 1, TEST: 1}

    def __init__(self, was_reversed: bool = False):
        super().__init__(was_reversed)
        self._text_pairs_cache: dict[tuple[str, str], list[tuple[str, str]]] = {}

    @abc.abstractmethod
    def text_pairs(self, split: str, tmp_dir: str) -> list[tuple[str, str]]:
        """`(source, target)` sentences of `split`."""

    def _cached_text_pairs(self, split: str, tmp_dir: str) -> list[tuple[str, str]]:
        # The train split is needed twice, for the vocabulary and for the ids; reading it
        # once matters for big corpora (WMT's 4.5M pairs come through TFDS).
        key = (split, tmp_dir)
        if key not in self._text_pairs_cache:
            self._text_pairs_cache[key] = self.text_pairs(split, tmp_dir)
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
        pairs = self._cached_text_pairs(TRAIN, tmp_dir)
        logging.info(
            "building a %d-id %s vocabulary from %d sentence pairs",
            self.approx_vocab_size,
            self.vocab_type,
            len(pairs),
        )
        sentences = (sentence for pair in pairs for sentence in pair)
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
        return {"inputs": vocab, "targets": vocab}

    def generate_ids(self, split: str, data_dir: str, tmp_dir: str, seed: int) -> Iterator:
        # A vocabulary trained by this run is still under its temporary name.
        staged = fs.temporary_path(self.vocab_path(data_dir))
        vocab = (
            self.vocabulary_class.load(staged)
            if fs.exists(staged)
            else self.vocabulary(data_dir)["inputs"]
        )
        pairs = self._cached_text_pairs(split, tmp_dir)
        for start in range(0, len(pairs), _ENCODE_BATCH):
            chunk = pairs[start : start + _ENCODE_BATCH]
            sources = vocab.encode_batch([source for source, _ in chunk])
            targets = vocab.encode_batch([target for _, target in chunk])
            yield from zip(sources, targets, strict=True)
