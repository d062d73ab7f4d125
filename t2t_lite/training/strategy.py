"""Choosing a `tf.distribute` strategy by name, as the trainer's flags do."""

import json
import os

import tensorflow as tf

from t2t_lite.errors import T2TLiteError, first_line

STRATEGIES = ("one_device", "mirrored", "multi_worker_mirrored", "tpu")


class StrategyError(T2TLiteError):
    """A strategy that cannot be built here (no TPU, no TF_CONFIG, too few devices)."""


def split_cpu(num_devices: int) -> None:
    """Splits the host CPU into `num_devices` logical devices, so `mirrored` can run on a
    machine without GPUs (for testing the multi-replica code path). Must run before
    TensorFlow initializes its devices."""
    if num_devices <= 1:
        return
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * num_devices
        )
    except RuntimeError as error:
        raise StrategyError(f"cannot split the CPU after TensorFlow started: {error}") from None


def default_strategy_name() -> str:
    """`mirrored` when several GPUs are visible, else `one_device` (T2T's default)."""
    return "mirrored" if len(tf.config.list_physical_devices("GPU")) > 1 else "one_device"


def make_strategy(
    name: str | None = None, num_gpus: int | None = None, tpu: str | None = None
) -> tf.distribute.Strategy:
    """Builds the named strategy.

    Args:
      name: one of `STRATEGIES`, or None for `default_strategy_name()`.
      num_gpus: GPUs to use (`one_device`, `mirrored`); None or 0 for all visible.
        Without GPUs, `mirrored` uses the logical CPU devices (see `split_cpu`).
      tpu: TPU name or `grpc://` address for `tpu` (`local` for a TPU VM).
    """
    name = name or default_strategy_name()
    if name not in STRATEGIES:
        raise StrategyError(
            f"unknown distribution strategy {name!r}; known: {', '.join(STRATEGIES)}"
        )
    # Multi-worker and TPU set-up must come before anything starts TensorFlow's runtime
    # (listing logical devices does).
    if name == "multi_worker_mirrored":
        return _multi_worker_strategy()
    if name == "tpu":
        return _tpu_strategy(tpu)
    gpus = [f"/gpu:{i}" for i in range(len(tf.config.list_logical_devices("GPU")))]
    if num_gpus:
        if num_gpus > len(gpus):
            raise StrategyError(f"--num_gpus={num_gpus} but {len(gpus)} GPU(s) are visible")
        gpus = gpus[:num_gpus]
    if name == "one_device":
        # TensorFlow's default strategy: one replica on the first GPU, else the CPU. It
        # runs the same step as OneDeviceStrategy without that strategy's input and
        # function wrappers, which cost 30% of the CPU train step (bench/train_throughput.py).
        return tf.distribute.get_strategy()
    devices = gpus or [f"/cpu:{i}" for i in range(len(tf.config.list_logical_devices("CPU")))]
    return tf.distribute.MirroredStrategy(devices)


def _multi_worker_strategy() -> tf.distribute.Strategy:
    text = os.environ.get("TF_CONFIG")
    if not text:
        raise StrategyError(
            "multi_worker_mirrored needs TF_CONFIG, e.g. "
            '{"cluster": {"worker": ["host1:port", "host2:port"]}, "task": {"type": "worker", '
            '"index": 0}}'
        )
    try:
        config = json.loads(text)
        workers = config["cluster"]["worker"]
        config["task"]["type"], config["task"]["index"]
    except (ValueError, KeyError, TypeError) as error:
        raise StrategyError(f"TF_CONFIG is not valid: {error!r}: {text}") from None
    if not workers:
        raise StrategyError("TF_CONFIG lists no workers")
    return tf.distribute.MultiWorkerMirroredStrategy()


def _tpu_strategy(tpu: str | None) -> tf.distribute.Strategy:
    if not tpu:
        raise StrategyError(
            "--distribution_strategy=tpu needs --tpu (a TPU name, grpc:// address, or local)"
        )
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu)
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, tf.errors.OpError, ImportError) as error:
        raise StrategyError(f"no TPU reachable as --tpu={tpu}: {first_line(error)}") from None
    return tf.distribute.TPUStrategy(resolver)


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """Whether this process writes checkpoints and summaries (worker 0, or the only one)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) or resolver is None:
        return True
    task_type, task_id = resolver.task_type, resolver.task_id
    return (
        task_type is None
        or task_type == "chief"
        or (
            task_type == "worker"
            and task_id == 0
            and "chief" not in resolver.cluster_spec().as_dict()
        )
    )
