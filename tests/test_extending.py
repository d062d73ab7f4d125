"""docs/extending.md's examples run as written, in order, in one fresh process (they
register names, which a process does once)."""

import os
import pathlib
import re
import subprocess
import sys

DOC = pathlib.Path(__file__).resolve().parents[1] / "docs" / "extending.md"


def test_extending_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) == 7, "one example per extension point"
    program = "\n\n".join(
        f"exec(compile({block!r}, 'docs/extending.md example {i}', 'exec'), {{}})"
        for i, block in enumerate(blocks, 1)
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr[-3000:]
