"""`make quickstart` as a user runs it, once per random seed, each in a fresh work
directory: its wall time (install excluded), the dev accuracy the trainer's last
evaluation reports (teacher-forced, per sequence), the greedy decoder's exact matches on
the whole dev split, and the served answer.

    python bench/quickstart_seeds.py --seeds=1,2,3

Writes docs/results_quickstart.json and a Markdown table beside it (.md), quoted in
docs/results.md and the README.
"""

import os
import platform
import re
import subprocess
import sys
import tempfile
import time

from absl import app, flags

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench.results_file import write_atomically, write_json  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

flags.DEFINE_list("seeds", ["1", "2", "3"], "--random_seed of each run (datagen and training).")
flags.DEFINE_string(
    "out",
    os.path.join(ROOT, "docs", "results_quickstart.json"),
    "Results file (JSON; .md beside it).",
)
FLAGS = flags.FLAGS


def last_float(pattern: str, text: str) -> float | None:
    found = re.findall(pattern, text)
    return float(found[-1]) if found else None


def run_quickstart(seed: str, work_dir: str) -> dict:
    start = time.monotonic()
    result = subprocess.run(
        ["make", "-s", "-C", ROOT, "quickstart", f"QS_WORK={work_dir}", f"QS_SEED={seed}"],
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - start
    output = result.stdout + result.stderr
    decoded = re.search(r"Decoded (\d+) dev examples .*?: (\d+) exact", output)
    served = re.search(r"^Served by .*$", output, flags=re.M)
    return {
        "seed": int(seed),
        "exit_status": result.returncode,
        "seconds": round(seconds, 1),
        "eval_step": last_float(r"eval at step (\d+)", output),
        "eval_accuracy_per_sequence": last_float(r"accuracy_per_sequence ([0-9.]+)", output),
        "dev_examples": int(decoded.group(1)) if decoded else None,
        "dev_exact": int(decoded.group(2)) if decoded else None,
        "served": served.group(0).replace(work_dir, "<work>") if served else None,
    }


def markdown(rows: list[dict], machine: str) -> str:
    lines = [
        f"`make quickstart` per seed on {machine} (install excluded; `python "
        "bench/quickstart_seeds.py`).",
        "",
        "| `--random_seed` | wall time | dev accuracy per sequence (teacher-forced, last eval) | "
        "greedy exact match, whole dev split | served | exit |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        exact = f"{row['dev_exact']} / {row['dev_examples']}" if row["dev_examples"] else "n/a"
        accuracy = (
            f"{row['eval_accuracy_per_sequence']:.4f}"
            if row["eval_accuracy_per_sequence"] is not None
            else "n/a"
        )
        served = "matches" if row["exit_status"] == 0 and row["served"] else "differs"
        lines.append(
            f"| {row['seed']} | {row['seconds']:.0f} s | {accuracy} | {exact} | {served} | "
            f"{row['exit_status']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv):
    del argv
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs"
    rows = []
    with tempfile.TemporaryDirectory(prefix="quickstart_seeds_") as root:
        for seed in FLAGS.seeds:
            row = run_quickstart(seed, os.path.join(root, f"seed{seed}"))
            print(row, flush=True)
            rows.append(row)
    write_json(FLAGS.out, {"machine": machine, "runs": rows})
    write_atomically(FLAGS.out.removesuffix(".json") + ".md", markdown(rows, machine))


if __name__ == "__main__":
    app.run(main)
