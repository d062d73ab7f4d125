"""Problems by snake_case name, as T2T's registry names them; `<name>_rev` reverses a
translation problem (targets become inputs)."""

import difflib
import re

from t2t_lite.errors import DataError

_PROBLEMS: dict[str, type] = {}
REVERSE_SUFFIX = "_rev"


def snake_case(name: str) -> str:
    """`AlgorithmicReverseBinary40` -> `algorithmic_reverse_binary40`."""
    name = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def register_problem(cls: type) -> type:
    """Class decorator: registers `cls` under the snake_case of its class name."""
    name = snake_case(cls.__name__)
    if name in _PROBLEMS and _PROBLEMS[name] is not cls:
        raise DataError(f"problem {name!r} is already registered")
    _PROBLEMS[name] = cls
    cls.name = name
    return cls


def list_problems() -> list[str]:
    names = list(_PROBLEMS)
    names += [n + REVERSE_SUFFIX for n, cls in _PROBLEMS.items() if cls.reversible]
    return sorted(names)


def get_problem(name: str, data_dir: str | None = None, **kwargs):
    """A new instance of the problem called `name` (`kwargs` go to its constructor).

    A name t2t_lite does not register is read as a T2T text-to-text data_dir when
    `data_dir` holds its T2T vocabulary (`t2t_data_dir.T2TDataDirProblem`).
    """
    base, reverse = name, False
    if name not in _PROBLEMS and name.endswith(REVERSE_SUFFIX):
        base, reverse = name[: -len(REVERSE_SUFFIX)], True
    cls = _PROBLEMS.get(base)
    if cls is None and data_dir is not None:
        # Imported here: those modules import the problem classes, which import this one.
        from t2t_lite.problems.t2t_data_dir import T2TDataDirProblem
        from t2t_lite.problems.t2t_subwords import t2t_vocabulary_path

        vocab_path = t2t_vocabulary_path(data_dir, base)
        if vocab_path is not None:
            return T2TDataDirProblem(base, vocab_path, was_reversed=reverse)
    if cls is None or (reverse and not cls.reversible):
        close = difflib.get_close_matches(name, list_problems(), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise DataError(f"unknown problem {name!r}{hint} (--registry_help lists them)")
    return cls(was_reversed=reverse, **kwargs)
