"""Runs the installed console scripts as a user would."""

import os
import pathlib
import subprocess
import sys

SCRIPTS = pathlib.Path(sys.executable).parent


def binary_env(extra: dict | None = None) -> dict:
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(extra or {})}


def run_binary(
    name: str, *args: str, cwd=None, timeout: float = 300, env=None
) -> subprocess.CompletedProcess:
    env = binary_env(env)
    return subprocess.run(
        [str(SCRIPTS / name), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
    )
