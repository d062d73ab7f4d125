"""`--t2t_usr_dir`: import a user's directory as a module so its problems and hparams
sets register themselves, as T2T's `usr_dir.import_usr_dir` does."""

import importlib
import os
import sys

from t2t_lite.errors import T2TLiteError


def import_usr_dir(usr_dir: str) -> None:
    """Imports the package at `usr_dir` (a directory with an `__init__.py`)."""
    directory = os.path.abspath(os.path.expanduser(usr_dir)).rstrip(os.sep)
    if not os.path.isfile(os.path.join(directory, "__init__.py")):
        raise T2TLiteError(f"--t2t_usr_dir={usr_dir}: not a directory with an __init__.py")
    parent, module_name = os.path.split(directory)
    sys.path.insert(0, parent)
    try:
        importlib.import_module(module_name)
    except ImportError as error:
        raise T2TLiteError(f"--t2t_usr_dir={usr_dir}: import failed: {error}") from error
    finally:
        sys.path.remove(parent)
