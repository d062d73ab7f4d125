"""tf.distribute code paths on CPU: mirrored over two logical devices, two real
multi-worker processes on 127.0.0.1, mixed precision and XLA."""

import json
import re
import socket
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from t2t_lite.problems import get_problem

from binaries import SCRIPTS, binary_env
from training_runs import (
    PROBLEM,
    TINY_HPARAMS,
    checkpoint_step,
    event_tags,
    model_weights,
    run_trainer,
    trainer_args,
)

# Runs binaries or trains models in subprocesses: `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

# One-device training on batches b1 + b2 (concatenated, padded) against mirrored training
# with b1 on one CPU device and b2 on the other; dropout off, clipping on. Adam's epsilon
# is large so that updates scale with the gradient: a loss scaled wrongly across replicas
# (or clipped per replica) changes the weights, where plain Adam would hide the scale.
EQUIVALENCE_SCRIPT = """
import numpy as np, tensorflow as tf, keras
from t2t_lite import runs, training
training.split_cpu(2)
from t2t_lite.hparams import get_hparams
hparams = runs.with_problem_hparams(get_hparams("transformer_tiny",
    "hidden_size=32,filter_size=64,num_heads=2,layer_prepostprocess_dropout=0,attention_dropout=0,"
    "relu_dropout=0,learning_rate_schedule=constant,learning_rate_constant=0.5,optimizer_adam_epsilon=1.0,"
    "clip_grad_norm=0.5"), "p", 20, 20)
rng = np.random.default_rng(0)
def batch(rows, length):
    ids = rng.integers(2, 20, size=(rows, length)); ids[:, -1] = 1; ids[0, length // 2:] = 0
    return {"inputs": tf.constant(ids), "targets": tf.constant(ids[:, ::-1].copy())}
b1, b2 = batch(4, 7), batch(3, 5)
both = {k: tf.concat([b1[k], tf.pad(b2[k], [[0, 0], [0, 2]])], 0) for k in b1}
accumulating = hparams.copy()
accumulating.optimizer = "multistep_adam"
accumulating.optimizer_multistep_accumulate_steps = 2
results = {}
for run in ("one_device", "mirrored", "mirrored_accumulating"):
    name = run.removesuffix("_accumulating")
    keras.utils.set_random_seed(0)
    strategy = training.make_strategy(name)
    run_hparams = accumulating if run.endswith("accumulating") else hparams
    with strategy.scope():
        model = runs.model_from_hparams(run_hparams)
        optimizer = training.make_optimizer(run_hparams)
        optimizer.build(model.trainable_variables)
    step = training.TrainStep(model, optimizer, strategy, hparams.label_smoothing,
        accumulate_steps=training.accumulate_steps(run_hparams))
    initial = [np.asarray(v.numpy()).tolist() for v in model.trainable_variables]
    for _ in range(4 * run_hparams.optimizer_multistep_accumulate_steps or 4):
        if name == "one_device":
            batches = strategy.experimental_distribute_values_from_function(lambda ctx: both)
        else:
            batches = strategy.experimental_distribute_values_from_function(
                lambda ctx: (b1, b2)[ctx.replica_id_in_sync_group])
        loss_sum, tokens = step.on_batches(batches)
    results[run] = {
        "replicas": strategy.num_replicas_in_sync, "steps": int(optimizer.iterations.numpy()),
        "tokens": float(tokens), "loss_sum": float(loss_sum),
        "weights": [np.asarray(v.numpy()).tolist() for v in model.trainable_variables],
        "initial": initial}
print(json.dumps(results))
""".replace("import numpy", "import json\nimport numpy")


def test_mirrored_step_equals_one_device_step_on_the_same_global_batch():
    result = subprocess.run(
        [sys.executable, "-c", EQUIVALENCE_SCRIPT],
        capture_output=True,
        text=True,
        env=binary_env(),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    runs = json.loads(result.stdout.strip().splitlines()[-1])
    one, mirrored = runs["one_device"], runs["mirrored"]
    assert (one["replicas"], mirrored["replicas"]) == (1, 2)
    assert one["steps"] == mirrored["steps"] == 4
    # Non-pad targets: 4 x 7 and 3 x 5, less the padded tail of each first row (4 and 3).
    assert one["tokens"] == mirrored["tokens"] == 4 * 7 - 4 + 3 * 5 - 3
    assert mirrored["loss_sum"] == pytest.approx(one["loss_sum"], rel=1e-4)
    largest_change = 0.0
    for a, b, start in zip(one["weights"], mirrored["weights"], one["initial"], strict=True):
        np.testing.assert_allclose(np.array(b), np.array(a), atol=1e-5)
        largest_change = max(largest_change, float(np.abs(np.array(a) - np.array(start)).max()))
    assert largest_change > 1e-3
    # Mirrored with two micro-batches per update, each the same global batch (the mean of
    # the mean is checked without clipping in tests/test_accumulation_and_ema.py): the
    # same 4 updates, after 8 micro-batches.
    accumulating = runs["mirrored_accumulating"]
    assert accumulating["steps"] == 4
    for a, b in zip(one["weights"], accumulating["weights"], strict=True):
        np.testing.assert_allclose(np.array(b), np.array(a), atol=1e-5)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("data")
    get_problem(PROBLEM).generate_data(str(directory), str(directory), seed=5)
    return directory


def test_mirrored_binary_on_two_cpu_devices(data_dir, tmp_path):
    result = run_trainer(
        data_dir,
        tmp_path,
        "--distribution_strategy=mirrored",
        "--num_cpu_devices=2",
        "--train_steps=3",
    )
    assert result.returncode == 0, result.stderr
    assert "mirrored strategy with 2 replica(s)" in result.stderr
    assert checkpoint_step(tf.train.latest_checkpoint(str(tmp_path))) == 3
    assert "eval at step 3" in result.stdout


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def fingerprint(stderr: str) -> float:
    match = re.search(r"weights fingerprint (\S+)", stderr)
    assert match, stderr
    return float(match.group(1))


def test_two_workers_train_together_and_only_the_chief_writes(data_dir, tmp_path):
    workers = [f"127.0.0.1:{port}" for port in free_ports(2)]
    processes = []
    for index in range(2):
        tf_config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        args = trainer_args(
            data_dir,
            tmp_path / f"worker{index}",
            "--distribution_strategy=multi_worker_mirrored",
            "--train_steps=4",
            "--local_eval_frequency=2",
            # Two micro-batches per update and a moving average, across the workers too.
            hparams=TINY_HPARAMS
            + ",optimizer=multistep_adam,optimizer_multistep_accumulate_steps=2,"
            "moving_average_decay=0.9",
        )
        processes.append(
            subprocess.Popen(
                [str(SCRIPTS / "t2t-trainer"), *args],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=binary_env({"TF_CONFIG": json.dumps(tf_config)}),
            )
        )
    outputs = []
    try:
        for process in processes:
            outputs.append(process.communicate(timeout=300))
    finally:
        for process in processes:
            process.kill()
    for process, (_, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr
        assert "multi_worker_mirrored strategy with 2 replica(s)" in stderr
    chief_dir = tmp_path / "worker0"
    latest = tf.train.latest_checkpoint(str(chief_dir))
    assert checkpoint_step(latest) == 4  # micro-batches
    updates = tf.train.load_variable(latest, "optimizer/0/.ATTRIBUTES/VARIABLE_VALUE")
    assert int(updates) == 2
    assert any(name.startswith("ema/") for name, _ in tf.train.list_variables(latest))
    assert event_tags(chief_dir / "train")["loss"][-1][0] == 4
    assert not (tmp_path / "worker1").exists()  # the other worker wrote nothing
    chief_print, worker_print = fingerprint(outputs[0][1]), fingerprint(outputs[1][1])
    assert chief_print == worker_print
    saved = sum(np.sum(np.asarray(v, np.float64)) for v in model_weights(latest).values())
    assert saved == pytest.approx(chief_print, rel=1e-9)


@pytest.mark.parametrize("flags", [["--mixed_precision=mixed_bfloat16"], ["--xla"]])
def test_mixed_bfloat16_and_xla_train_on_cpu(data_dir, tmp_path, flags):
    result = run_trainer(
        data_dir,
        tmp_path,
        "--train_steps=3",
        "--schedule=train",
        *flags,
        hparams="hidden_size=32,filter_size=64,num_heads=2,num_hidden_layers=1,batch_size=256,max_length=12",
    )
    assert result.returncode == 0, result.stderr
    losses = [value for _, value in event_tags(tmp_path / "train")["loss"]]
    assert len(losses) == 3 and all(np.isfinite(losses))
    weights = model_weights(tf.train.latest_checkpoint(str(tmp_path)))
    assert all(np.asarray(w).dtype == np.float32 for w in weights.values())
