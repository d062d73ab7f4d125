"""Errors that a binary reports as a one-line message (no traceback) and a non-zero exit."""


class T2TLiteError(Exception):
    """Base of the errors caused by user input: flags, files, data."""


class DataError(T2TLiteError, ValueError):
    """Bad or missing data: an unknown problem, a missing or corrupt file, a bad line."""


class HParamsError(T2TLiteError, ValueError):
    """An unknown hyperparameter name, a value of the wrong type or an unknown set, or
    values no model is built from. Here, not in `hparams.py` (which reads files through
    TensorFlow), so that layers and models raise it on any backend."""


def first_line(error: BaseException) -> str:
    """The first non-empty line of an error's message (TF errors run to many lines), or its
    class name when the message is empty, for embedding in a one-line report."""
    lines = [line.strip() for line in str(error).splitlines()]
    # TF's graph errors start with where the op was defined; the reason comes after.
    reasons = [line for line in lines if line and not line.startswith(_TF_PREAMBLE)]
    return reasons[0] if reasons else (lines[0] if lines and lines[0] else type(error).__name__)


_TF_PREAMBLE = ("Graph execution error", "Detected at node", "<stack traces", "[[")
