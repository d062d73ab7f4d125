"""Errors that a binary reports as a one-line message (no traceback) and a non-zero exit."""


class T2TLiteError(Exception):
    """Base of the errors caused by user input: flags, files, data."""


class DataError(T2TLiteError, ValueError):
    """Bad or missing data: an unknown problem, a missing or corrupt file, a bad line."""
