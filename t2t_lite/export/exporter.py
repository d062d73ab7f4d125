"""Versioned SavedModel export in the layout TensorFlow Serving watches:
`<export_dir>/<version>/{saved_model.pb, variables/, assets/}`, written under a
temporary name and renamed into place when complete."""

import os
import shutil

import tensorflow as tf

from t2t_lite.errors import T2TLiteError, first_line

_TMP_PREFIX = ".incomplete-"


class ExportError(T2TLiteError):
    """A bad export directory or version."""


def _writer_alive(temporary_name: str) -> bool:
    """Whether the exporter process named in `.incomplete-<version>-<pid>` still runs
    here (another exporter writing now; its temporary must be left alone)."""
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
    if not os.path.isdir(export_dir):
        return []
    return sorted(int(name) for name in os.listdir(export_dir) if name.isdigit())


def export_versioned(module: tf.Module, signatures: dict, export_dir: str, version: int | None = None) -> str:
    """Saves `module` as `<export_dir>/<version>` (default: one past the highest).

    The SavedModel is written to a hidden temporary directory in `export_dir` and renamed
    to its version only when complete, so a server watching `export_dir` never sees a
    half-written version; an existing version is never overwritten.
    """
    os.makedirs(export_dir, exist_ok=True)
    # Temporaries of exporters that died mid-write (never a version: servers skip them).
    for name in os.listdir(export_dir):
        if name.startswith(_TMP_PREFIX) and not _writer_alive(name):
            shutil.rmtree(os.path.join(export_dir, name), ignore_errors=True)
    versions = existing_versions(export_dir)
    if version is None:
        version = (versions[-1] + 1) if versions else 1
    if version < 0:
        raise ExportError(f"--version={version} must be >= 0")
    final = os.path.join(export_dir, str(version))
    if os.path.exists(final):
        raise ExportError(f"{final} exists; pass another --version or leave it out for the next one")
    tmp = os.path.join(export_dir, f"{_TMP_PREFIX}{version}-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tf.saved_model.save(module, tmp, signatures=signatures)
        os.rename(tmp, final)
    except (tf.errors.OpError, OSError) as error:
        raise ExportError(
            f"could not write the SavedModel into {export_dir} ({first_line(error)}); no version was created "
            f"and the versions already there ({', '.join(map(str, versions)) or 'none'}) are untouched"
        ) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final
