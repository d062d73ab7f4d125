"""User paths on a file system other than the local one: the whole pipeline (datagen from
raw files, training with checkpoints and summaries, averaging, decoding a file, export
and serving) with every user path on TensorFlow's in-memory `ram://` file system. Like an
object store it has no real directories: renaming a directory moves nothing under it,
so code that renames with `os`, or trusts `tf.io.gfile.rename` with a directory,
fails here. (Unlike one, it also takes any prefix of a name for a directory, so
`tf.train.load_checkpoint("ram://.../ckpt-2")` fails: TensorFlow's checkpoint reader is
used directly instead.) A second test checks that library code reaches paths only through
`t2t_lite.utils.file_system`."""

import ast
import gzip
import pathlib
import uuid

import numpy as np
import pytest
import tensorflow as tf

from t2t_lite import decoding, export, runs, training
from t2t_lite.hparams import get_hparams
from t2t_lite.problems import get_problem
from t2t_lite.utils import file_system as fs
from t2t_lite.utils.text_lines import read_lines, write_lines_atomically

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAIRS = [
    ("a red dog runs", "ein roter hund rennt"),
    ("the blue cat sleeps", "die blaue katze schläft"),
] * 40


@pytest.fixture
def ram():
    root = f"ram://{uuid.uuid4().hex}"
    yield root
    fs.remove(root)


def write_gzip(path: str, lines: list[str]) -> str:
    with fs.GFile(path, "wb") as f:
        f.write(gzip.compress("".join(line + "\n" for line in lines).encode("utf-8")))
    return path


def test_pipeline_runs_with_every_path_on_ram(ram):
    raw, data_dir, run_dir = f"{ram}/raw", f"{ram}/data", f"{ram}/run"
    corpus = {
        split: tuple(
            write_gzip(f"{raw}/{split}.{side}.gz", [pair[i] for pair in PAIRS])
            for i, side in enumerate("st")
        )
        for split in ("train", "dev")
    }
    problem = get_problem("translate_parallel_text", corpus=corpus, approx_vocab_size=300)
    assert problem.generate_data(data_dir, raw, seed=1)
    assert not [name for name in fs.listdir(data_dir) if name.startswith(fs.TMP_PREFIX)]
    assert problem.is_generated(data_dir) and not problem.data_files(data_dir, "test")

    hparams_set = "transformer_tiny"
    vocab = problem.feature_vocabulary(data_dir)
    hparams = runs.with_problem_hparams(
        get_hparams(
            hparams_set,
            "hidden_size=16,filter_size=32,num_heads=2,num_hidden_layers=1,batch_size=256",
        ),
        problem.name,
        vocab["inputs"].vocab_size,
        vocab["targets"].vocab_size,
        hparams_set,
    )
    assert not runs.check_output_dir(run_dir, hparams)
    runs.write_run_files(run_dir, hparams, "--hparams_set=transformer_tiny\n")
    options = training.TrainerOptions(local_eval_frequency=2, eval_steps=1, log_step_count_steps=2)
    trainer = training.Trainer(
        problem, hparams, data_dir, run_dir, tf.distribute.get_strategy(), options
    )
    assert trainer.train(4, evaluate=True) == "done"
    trainer.close()
    assert fs.glob(f"{run_dir}/train/events.*") and fs.glob(f"{run_dir}/eval/events.*")
    assert runs.check_output_dir(run_dir, hparams)  # resumable: hparams.json reads back equal

    path, averaged, _ = runs.average_latest_checkpoints(run_dir, f"{run_dir}/avg", 2)
    assert [p.rsplit("/", 1)[-1] for p in averaged] == ["ckpt-2", "ckpt-4"]
    # tf.train.load_variable would take ram://.../ckpt-2 for a directory (see above).
    first, second, mean = (tf.compat.v1.train.NewCheckpointReader(p) for p in (*averaged, path))
    names = [
        name
        for name in first.get_variable_to_shape_map()
        if name.startswith("model/") and "OBJECT" not in name
    ]
    assert names
    for name in names:
        want = (first.get_tensor(name) + second.get_tensor(name)) / 2
        np.testing.assert_allclose(mean.get_tensor(name), want, rtol=1e-6)

    run = runs.open_trained_run(f"{run_dir}/avg", data_dir)
    decode_hp = decoding.decode_hparams("beam_size=2,extra_length=3")
    source = f"{ram}/in.txt"
    fs.write_atomically(source, "a red dog\n\nthe cat\n")
    lines = read_lines(source)
    outputs = decoding.decode_lines(
        decoding.IdDecoder(run.model, decoding.strategy_from_decode_hparams(decode_hp)),
        lines,
        run.vocabulary,
        run.model.decode_input,
        run.hparams.max_length,
        8,
    )
    write_lines_atomically(f"{ram}/out/decodes.txt", outputs)
    assert read_lines(f"{ram}/out/decodes.txt") == outputs and outputs[1] == ""

    module = export.TextGenerationModule(
        run.model,
        run.vocabulary,
        max_length=run.hparams.max_length,
        strategy=decoding.BeamSearch(beam_size=2, extra_length=3),
    )
    export_dir = f"{ram}/export"
    assert export.export_versioned(module, module.signatures(), export_dir) == f"{export_dir}/1"
    assert export.export_versioned(module, module.signatures(), export_dir) == f"{export_dir}/2"
    assert fs.listdir(export_dir) == ["1", "2"]
    loaded = tf.saved_model.load(f"{export_dir}/2")
    served = loaded.signatures["serving_default"](inputs=tf.constant(lines))["outputs"].numpy()
    assert [text.decode("utf-8") for text in served] == outputs


def test_atomic_output_leaves_nothing_when_the_write_fails(ram):
    fs.write_atomically(f"{ram}/keep.txt", "old\n")
    with pytest.raises(RuntimeError), fs.atomic_output(f"{ram}/keep.txt") as tmp_path:
        with fs.GFile(tmp_path, "w") as f:
            f.write("half")
        raise RuntimeError("killed mid-write")
    assert fs.listdir(ram) == ["keep.txt"] and fs.read_text(f"{ram}/keep.txt") == "old\n"


# Calls that reach a path without tf.io.gfile; `usr_dir.py` imports Python code, which
# only works from a local directory.
FORBIDDEN = {
    ("os", "rename"),
    ("os", "replace"),
    ("os", "remove"),
    ("os", "unlink"),
    ("os", "makedirs"),
    ("os", "mkdir"),
    ("os", "listdir"),
    ("os", "scandir"),
    ("os", "walk"),
    ("os", "stat"),
    ("path", "exists"),
    ("path", "isdir"),
    ("path", "isfile"),
    ("path", "getsize"),
    ("gzip", "open"),
    ("shutil", "*"),
    ("io", "open"),
    ("pathlib", "*"),
}
ALLOWED_FILES = {"t2t_lite/utils/file_system.py", "t2t_lite/utils/usr_dir.py"}


def forbidden_calls(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Name) and function.id == "open":
                found.append(f"line {node.lineno}: open()")
            elif isinstance(function, ast.Attribute) and isinstance(
                function.value, (ast.Name, ast.Attribute)
            ):
                owner = (
                    function.value.id
                    if isinstance(function.value, ast.Name)
                    else function.value.attr
                )
                if (owner, function.attr) in FORBIDDEN or (owner, "*") in FORBIDDEN:
                    found.append(f"line {node.lineno}: {owner}.{function.attr}()")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = (
                [node.module]
                if isinstance(node, ast.ImportFrom)
                else [alias.name for alias in node.names]
            )
            found += [
                f"line {node.lineno}: import {name}"
                for name in names
                if name in ("shutil", "pathlib")
            ]
    return found


def test_forbidden_calls_are_found():
    assert forbidden_calls("import os\nos.replace(a, b)\nopen(p)\nos.path.exists(p)\n") == [
        "line 2: os.replace()",
        "line 3: open()",
        "line 4: path.exists()",
    ]


def test_library_and_binaries_reach_user_paths_only_through_tf_io_gfile():
    offenders = {}
    for path in sorted([*(ROOT / "t2t_lite").rglob("*.py"), *(ROOT / "bin").glob("*.py")]):
        relative = path.relative_to(ROOT).as_posix()
        if relative not in ALLOWED_FILES:
            found = forbidden_calls(path.read_text(encoding="utf-8"))
            if found:
                offenders[relative] = found
    assert not offenders, offenders
