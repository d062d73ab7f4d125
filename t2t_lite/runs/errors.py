"""The errors of a run directory: every problem with `<output_dir>` is a `RunDirError`; one
with a checkpoint (missing, unreadable, of another model, not writable) is its subclass
`CheckpointError`."""

from t2t_lite.errors import T2TLiteError


class RunDirError(T2TLiteError):
    """`--output_dir` holds another run, or files that cannot be read back or written."""


class CheckpointError(RunDirError):
    """A missing, unreadable or mismatched checkpoint, or one that could not be written."""
