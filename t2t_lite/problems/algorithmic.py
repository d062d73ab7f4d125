"""T2T's algorithmic problems: generated, no data needed. Symbols are integers
`0 ... num_symbols - 1`, stored shifted by 2 (0 = pad, 1 = EOS) with EOS appended.
Train sequences are up to `train_length` long, dev sequences up to `dev_length`."""

import abc
import random
from collections.abc import Iterator

from t2t_lite.ids import NUM_RESERVED_IDS
from t2t_lite.problems.problem import DEV, TRAIN, Problem
from t2t_lite.problems.registry import register_problem
from t2t_lite.problems.vocabulary import IntegerSymbolVocabulary


class AlgorithmicProblem(Problem):
    """Base: `generator(rng, num_symbols, max_length, num_cases)` yields symbol lists."""

    num_symbols = 2
    train_length = 40
    dev_length = 400
    train_size = 100_000
    dev_size = 10_000
    num_shards = {TRAIN: 10, DEV: 1}

    @abc.abstractmethod
    def generator(self, rng: random.Random, max_length: int, num_cases: int):
        """Yields `(input_symbols, target_symbols)`, unshifted, without EOS."""

    def vocabulary(self, data_dir: str) -> dict:
        vocab = IntegerSymbolVocabulary(self.num_symbols)
        return {"inputs": vocab, "targets": vocab}

    def generate_ids(self, split: str, data_dir: str, tmp_dir: str, seed: int) -> Iterator:
        rng = random.Random(f"{seed}-{self.dataset_name}-{split}")
        length, size = (
            (self.train_length, self.train_size)
            if split == TRAIN
            else (self.dev_length, self.dev_size)
        )
        for inputs, targets in self.generator(rng, length, size):
            yield [s + NUM_RESERVED_IDS for s in inputs], [s + NUM_RESERVED_IDS for s in targets]


def _random_symbols(rng: random.Random, num_symbols: int, max_length: int) -> list[int]:
    length = rng.randint(1, max_length)
    return [rng.randrange(num_symbols) for _ in range(length)]


@register_problem
class AlgorithmicIdentityBinary40(AlgorithmicProblem):
    """Copy a binary sequence."""

    def generator(self, rng, max_length, num_cases):
        for _ in range(num_cases):
            inputs = _random_symbols(rng, self.num_symbols, max_length)
            yield inputs, list(inputs)


@register_problem
class AlgorithmicReverseBinary40(AlgorithmicProblem):
    """Reverse a binary sequence."""

    def generator(self, rng, max_length, num_cases):
        for _ in range(num_cases):
            inputs = _random_symbols(rng, self.num_symbols, max_length)
            yield inputs, inputs[::-1]


@register_problem
class AlgorithmicReverseDecimal40(AlgorithmicReverseBinary40):
    """Reverse a decimal sequence."""

    num_symbols = 10


@register_problem
class AlgorithmicReverseDecimal12(AlgorithmicReverseBinary40):
    """Reverse up to 12 decimal digits, dev as long as train: the quickstart's task, which
    transformer_tiny solves in a few CPU minutes (absolute positions do not extrapolate
    to longer dev sequences; see docs/results.md)."""

    num_symbols = 10
    train_length = 12
    dev_length = 12
    dev_size = 1_000
    num_shards = {TRAIN: 10, DEV: 1}


@register_problem
class AlgorithmicReverseBinary40Test(AlgorithmicReverseBinary40):
    """A tiny reverse problem for fast tests."""

    train_length = 10
    dev_length = 20
    train_size = 1000
    dev_size = 100
    num_shards = {TRAIN: 2, DEV: 1}


def _lower_endian_number(rng: random.Random, length: int, base: int) -> list[int]:
    """A random number of `length` digits, least significant first, no leading zero."""
    if length == 1:
        return [rng.randrange(base)]
    return [rng.randrange(base) for _ in range(length - 1)] + [rng.randrange(1, base)]


def _lower_endian_value(digits: list[int], base: int) -> int:
    return sum(d * base**i for i, d in enumerate(digits))


def _lower_endian_digits(value: int, base: int) -> list[int]:
    digits = [value % base]
    while value >= base:
        value //= base
        digits.append(value % base)
    return digits


@register_problem
class AlgorithmicAdditionBinary40(AlgorithmicProblem):
    """Add two numbers written least significant digit first, separated by the symbol
    `base`: inputs `n1 + [base] + n2`, targets the digits of `n1 + n2`."""

    base = 2

    @property
    def num_symbols(self) -> int:
        return self.base + 1

    def generator(self, rng, max_length, num_cases):
        for _ in range(num_cases):
            length1 = rng.randint(1, max_length // 2)
            length2 = rng.randint(1, max_length - length1 - 1)
            n1 = _lower_endian_number(rng, length1, self.base)
            n2 = _lower_endian_number(rng, length2, self.base)
            total = _lower_endian_value(n1, self.base) + _lower_endian_value(n2, self.base)
            yield n1 + [self.base] + n2, _lower_endian_digits(total, self.base)


@register_problem
class AlgorithmicAdditionDecimal40(AlgorithmicAdditionBinary40):
    base = 10


@register_problem
class AlgorithmicSortProblem(AlgorithmicProblem):
    """Sort a sequence of symbols (drawn with replacement)."""

    train_length = 10
    dev_length = 20
    num_symbols = 20  # T2T: max(train_length, dev_length)

    def generator(self, rng, max_length, num_cases):
        for _ in range(num_cases):
            inputs = _random_symbols(rng, self.num_symbols, max_length)
            yield inputs, sorted(inputs)
