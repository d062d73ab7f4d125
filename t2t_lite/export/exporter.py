"""Versioned SavedModel export in the layout TensorFlow Serving watches:
`<export_dir>/<version>/{saved_model.pb, variables/, assets/}`, written under a
temporary name and renamed into place when complete."""

import os

import tensorflow as tf

from t2t_lite.errors import T2TLiteError, first_line
from t2t_lite.utils import file_system as fs


class ExportError(T2TLiteError):
    """A bad export directory or version."""


def _writer_alive(temporary_name: str) -> bool:
    """Whether the exporter process named in `.incomplete-<version>-<pid>` still runs
    on this machine (another exporter writing now; its temporary must be left alone)."""
    pid = temporary_name.rsplit("-", 1)[-1]
    if not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def existing_versions(export_dir: str) -> list[int]:
    """The integer version directories under `export_dir`, ascending."""
    return sorted(int(name) for name in fs.listdir(export_dir) if name.isdigit())


def export_versioned(
    module: tf.Module, signatures: dict, export_dir: str, version: int | None = None
) -> str:
    """Saves `module` as `<export_dir>/<version>` (default: one past the highest).

    The SavedModel is written to a hidden temporary directory in `export_dir` and renamed
    to its version only when complete, so a server watching a local `export_dir` never
    sees a half-written version (on object stores see `file_system.rename_tree`); an
    existing version is never overwritten.
    """
    fs.makedirs(export_dir)
    # Temporaries of exporters that died mid-write (never a version: servers skip them).
    for name in fs.listdir(export_dir):
        if name.startswith(fs.TMP_PREFIX) and not _writer_alive(name):
            fs.remove(os.path.join(export_dir, name))
    versions = existing_versions(export_dir)
    if version is None:
        version = (versions[-1] + 1) if versions else 1
    if version < 0:
        raise ExportError(f"--version={version} must be >= 0")
    final = os.path.join(export_dir, str(version))
    if fs.exists(final):
        raise ExportError(
            f"{final} exists; pass another --version or leave it out for the next one"
        )
    try:
        with fs.atomic_output(final, tag=str(os.getpid()), directory=True) as tmp:
            tf.saved_model.save(module, tmp, signatures=signatures)
    except (tf.errors.OpError, OSError) as error:
        raise ExportError(
            f"could not write the SavedModel into {export_dir} ({first_line(error)}); no version "
            "was created "
            f"and the versions already there ({', '.join(map(str, versions)) or 'none'}) are "
            "untouched"
        ) from None
    return final
