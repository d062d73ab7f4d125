"""Every read and write of a user's path (data_dir, tmp_dir, output_dir, export_dir,
decode files) goes through here, on `tf.io.gfile`, so local paths and any file system
TensorFlow knows (`gs://`, `s3://`, `hdfs://`, `ram://`) behave alike.

Writes that must never be seen half-done go to a hidden temporary name beside their
target and are renamed into place when complete (`atomic_output`, `write_atomically`).
On a local file system a rename is atomic, directories included. On object stores
(`gs://`, `s3://`) a file rename is a server-side copy then a delete: readers see the
old object or the whole new one, never part of one, but a directory is renamed one file
at a time (`rename_tree`), so a reader that lists it mid-rename can see some files.
"""

import contextlib
import os
from collections.abc import Iterator

import tensorflow as tf

TMP_PREFIX = ".incomplete-"

GFile = tf.io.gfile.GFile
exists = tf.io.gfile.exists
isdir = tf.io.gfile.isdir
glob = tf.io.gfile.glob
makedirs = tf.io.gfile.makedirs


def copy(source: str, target: str) -> None:
    """Copies the file `source` to `target`, replacing it."""
    tf.io.gfile.copy(source, target, overwrite=True)


def is_local(path: str) -> bool:
    """Whether `path` is on the local file system (no scheme, or `file://`)."""
    return "://" not in path or path.startswith("file://")


def listdir(path: str) -> list[str]:
    """Names in directory `path` (without a trailing `/` on subdirectories), or `[]` if
    it does not exist."""
    if not isdir(path):
        return []
    return sorted(name.rstrip("/") for name in tf.io.gfile.listdir(path))


def join_run_path(directory: str, path: str) -> str:
    """`path` as given when absolute or a URL, else joined to `directory` (how checkpoint
    state files name checkpoints)."""
    if "://" in path or os.path.isabs(path):
        return path
    return os.path.join(directory, path)


def read_bytes(path: str) -> bytes:
    with GFile(path, "rb") as f:
        return f.read()


def read_text(path: str) -> str:
    with GFile(path, "r") as f:
        return f.read()


def remove(path: str) -> None:
    """Deletes the file or directory tree `path` if it exists."""
    if isdir(path):
        tf.io.gfile.rmtree(path)
    elif exists(path):
        tf.io.gfile.remove(path)


def temporary_path(path: str, tag: str = "") -> str:
    """The hidden name beside `path` that it is written under first:
    `<dir>/.incomplete-<name>[-<tag>]`. Globs of finished files (`<name>-*`) never match it."""
    directory, name = os.path.split(path)
    return os.path.join(directory, f"{TMP_PREFIX}{name}{'-' + tag if tag else ''}")


def final_path(tmp_path: str) -> str:
    """The target of a `temporary_path` made without a tag."""
    directory, name = os.path.split(tmp_path)
    if not name.startswith(TMP_PREFIX):
        raise ValueError(f"{tmp_path} is not a temporary name")
    return os.path.join(directory, name[len(TMP_PREFIX) :])


def rename(source: str, target: str) -> None:
    """Renames the file `source` over `target`."""
    tf.io.gfile.rename(source, target, overwrite=True)


def rename_tree(source: str, target: str) -> None:
    """Renames directory `source` to `target`, which must not exist.

    Locally this is one atomic rename. Object stores have no directories, only names
    with a common prefix, so there every file is renamed on its own; the files named
    `saved_model.pb` go last, so a server that finds one finds the rest.
    """
    if is_local(source):
        tf.io.gfile.rename(source, target)
        return
    files = [
        os.path.join(root, name) for root, _, names in tf.io.gfile.walk(source) for name in names
    ]
    files.sort(key=lambda path: os.path.basename(path) == "saved_model.pb")
    for path in files:
        destination = target + path[len(source) :]
        makedirs(os.path.dirname(destination))
        tf.io.gfile.rename(path, destination, overwrite=True)
    remove(source)


@contextlib.contextmanager
def atomic_output(path: str, tag: str = "", directory: bool = False) -> Iterator[str]:
    """Yields a temporary name beside `path` to write to; on success renames it to
    `path` (replacing a file, never a directory), and on failure deletes it.

    `directory=True` for a directory tree (see `rename_tree`).
    """
    parent = os.path.dirname(path)
    if parent:
        makedirs(parent)
    tmp_path = temporary_path(path, tag)
    remove(tmp_path)
    try:
        yield tmp_path
        if directory:
            rename_tree(tmp_path, path)
        else:
            rename(tmp_path, path)
    finally:
        remove(tmp_path)


def write_atomically(path: str, data: bytes | str) -> None:
    """Writes `data` to `path` through a temporary name, so `path` holds the old content
    or the new, whole."""
    with (
        atomic_output(path) as tmp_path,
        GFile(tmp_path, "wb" if isinstance(data, bytes) else "w") as f,
    ):
        f.write(data)
