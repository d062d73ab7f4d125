"""Helpers for tests that run t2t-trainer: a tiny model, generated data, event files."""

import glob
import os

import tensorflow as tf

from binaries import run_binary

PROBLEM = "algorithmic_reverse_binary40_test"
TINY_HPARAMS = (
    "hidden_size=32,filter_size=64,num_heads=2,num_hidden_layers=1,batch_size=256,"
    "learning_rate_warmup_steps=10"
)


def trainer_args(data_dir, output_dir, *extra, hparams=TINY_HPARAMS):
    return [
        f"--problem={PROBLEM}",
        "--hparams_set=transformer_tiny",
        f"--hparams={hparams}",
        f"--data_dir={data_dir}",
        f"--output_dir={output_dir}",
        "--eval_steps=2",
        "--log_step_count_steps=1",
        *extra,
    ]


def run_trainer(data_dir, output_dir, *extra, hparams=TINY_HPARAMS, env=None):
    return run_binary(
        "t2t-trainer", *trainer_args(data_dir, output_dir, *extra, hparams=hparams), env=env
    )


def event_tags(directory) -> dict[str, list[tuple[int, float]]]:
    """`{tag: [(step, value), ...]}` read from the event files in `directory` with the
    Event protobuf (not with t2t_lite's writer)."""
    tags = {}
    for path in sorted(glob.glob(os.path.join(directory, "events.out.tfevents.*"))):
        for record in tf.data.TFRecordDataset(path):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                number = float(tf.make_ndarray(value.tensor))
                tags.setdefault(value.tag, []).append((event.step, number))
    return tags


def newest_complete_checkpoint(output_dir) -> str:
    """The documented resume rule, spelled out independently of t2t_lite: the highest-
    numbered `ckpt-N` that TensorFlow's reader opens, whatever the `checkpoint` state file
    says; a kill between a save and the state file's update leaves that file one
    checkpoint behind. TensorFlow writes the index last, but not atomically: a kill inside
    that write leaves an empty `ckpt-N.index`, which the trainer skips too."""
    indexes = glob.glob(os.path.join(str(output_dir), "ckpt-*.index"))
    prefixes = sorted(
        (path[: -len(".index")] for path in indexes),
        key=lambda prefix: int(prefix.rsplit("-", 1)[1]),
        reverse=True,
    )
    for prefix in prefixes:
        try:
            tf.train.load_checkpoint(prefix)
        except (tf.errors.OpError, RuntimeError, ValueError):
            continue
        return prefix
    raise AssertionError(f"no readable checkpoint in {output_dir}")


def checkpoint_step(path: str) -> int:
    """The optimizer's iteration count stored in a checkpoint."""
    names = [name for name, _ in tf.train.list_variables(path) if name.startswith("step/")]
    assert len(names) == 1, names
    return int(tf.train.load_variable(path, names[0]))


def model_weights(path: str) -> dict:
    """The model's variables in a checkpoint, by name."""
    return {
        name: tf.train.load_variable(path, name)
        for name, _ in tf.train.list_variables(path)
        if name.startswith("model/") and "OBJECT_GRAPH" not in name
    }


def directory_state(directory) -> dict:
    """Every file under `directory` with its size and modification time."""
    state = {}
    for root, _, files in os.walk(directory):
        for name in files:
            path = os.path.join(root, name)
            info = os.stat(path)
            state[path] = (info.st_size, info.st_mtime_ns)
    return state


def generated_data(tmp_path_factory, seed: int, problem: str = PROBLEM):
    """A fresh directory with `problem` generated in it (for module-scoped fixtures)."""
    from t2t_lite.problems import get_problem

    directory = tmp_path_factory.mktemp("data")
    get_problem(problem).generate_data(str(directory), str(directory), seed=seed)
    return directory


IN_PROCESS_HPARAMS = (
    "hidden_size=16,filter_size=32,num_heads=2,num_hidden_layers=1,batch_size=128,"
    "learning_rate_warmup_steps=4"
)


def in_process_trainer(data_dir, output_dir, extra_hparams="", write_run_files=True, **options):
    """A `training.Trainer` of a tiny model on PROBLEM's data in `data_dir`, in this
    process (`options`: `TrainerOptions` fields over a checkpoint every 2 steps), with the
    run files t2t-trainer would write."""
    from t2t_lite import runs, training
    from t2t_lite.hparams import get_hparams
    from t2t_lite.problems import get_problem

    problem = get_problem(PROBLEM, data_dir=data_dir)
    vocab = problem.feature_vocabulary(data_dir)["targets"].vocab_size
    overrides = IN_PROCESS_HPARAMS + ("," + extra_hparams if extra_hparams else "")
    hparams = runs.with_problem_hparams(
        get_hparams("transformer_tiny", overrides), PROBLEM, vocab, vocab, "transformer_tiny"
    )
    settings = {"eval_steps": 2, "local_eval_frequency": 2, "log_step_count_steps": 2, **options}
    trainer = training.Trainer(
        problem,
        hparams,
        str(data_dir),
        str(output_dir),
        tf.distribute.get_strategy(),
        training.TrainerOptions(**settings),
    )
    if write_run_files:
        runs.write_run_files(str(output_dir), hparams, "")
    return trainer
