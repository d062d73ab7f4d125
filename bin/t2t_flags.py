"""T2T's command lines: every flag of T2T's t2t-trainer and t2t-decoder (as its
`flags.txt` lists them), so that T2T's `flags.txt` works as `--flagfile`.

A binary defines its own flags first; `define_t2t_flags` then defines the rest of
T2T's and returns their names, and `warn_without_effect` names, in one warning line,
those of them given that have no effect in that binary. The flags with T2T's meaning
are read by the binaries themselves (t2t-trainer: `--worker_gpu`, `--use_tpu`,
`--master`, the schedules).
"""

from absl import flags, logging

# T2T's boolean flags; the others take any string ("None" included, as T2T writes it).
_BOOLEAN = {
    "dbgprofile",
    "enable_graph_rewriter",
    "eval_run_autoregressive",
    "eval_use_test_set",
    "export_saved_model",
    "generate_data",
    "locally_shard_to_cpu",
    "log_device_placement",
    "profile",
    "registry_help",
    "sync",
    "tfdbg",
    "use_tpu",
}

# Every flag in T2T 1.15's flags.txt of a training run, and what t2t_lite makes of it
# when a binary has no flag of that name (docs/migrating_from_t2t.md quotes this table).
T2T_FLAGS = {
    "data_dir": "t2t_lite's --data_dir",
    "output_dir": "t2t_lite's --output_dir",
    "tmp_dir": "t2t_lite's --tmp_dir (t2t-trainer --generate_data)",
    "problem": "t2t_lite's --problem",
    "model": "t2t_lite's --model (a registered model: transformer, or your own)",
    "hparams_set": "t2t_lite's --hparams_set (an imported run also answers to T2T's)",
    "hparams": "t2t_lite's --hparams",
    "decode_hparams": "t2t-decoder's --decode_hparams",
    "t2t_usr_dir": "t2t_lite's --t2t_usr_dir",
    "train_steps": "t2t-trainer's --train_steps",
    "eval_steps": "t2t-trainer's --eval_steps",
    "local_eval_frequency": "t2t-trainer's --local_eval_frequency",
    "keep_checkpoint_max": "t2t-trainer's --keep_checkpoint_max",
    "random_seed": "t2t-trainer's --random_seed",
    "generate_data": "t2t-trainer's --generate_data",
    "schedule": "t2t-trainer: train, evaluate, train_and_evaluate, continuous_eval; "
    "continuous_train_and_eval is train_and_evaluate",
    "worker_gpu": "t2t-trainer: more than 1 trains mirrored over that many GPUs",
    "use_tpu": "t2t-trainer: --distribution_strategy=tpu",
    "master": "t2t-trainer with --use_tpu: the TPU address (t2t_lite's --tpu)",
    "save_checkpoints_secs": "no effect: t2t_lite saves every --local_eval_frequency steps",
    "keep_checkpoint_every_n_hours": "no effect: t2t_lite keeps --keep_checkpoint_max",
    "iterations_per_loop": "no effect: TPU steps run one per call",
    "tpu_num_shards": "no effect: tf.distribute finds the TPU cores",
    "worker_replicas": "no effect: multi-worker runs read TF_CONFIG",
    "worker_id": "no effect: multi-worker runs read TF_CONFIG",
    "worker_job": "no effect: multi-worker runs read TF_CONFIG",
    "ps_replicas": "no effect: no parameter servers",
    "ps_job": "no effect: no parameter servers",
    "ps_gpu": "no effect: no parameter servers",
    "sync": "no effect: training is synchronous",
    "worker_gpu_memory_fraction": "no effect: TensorFlow grows GPU memory as needed",
    "gpu_order": "no effect: use CUDA_VISIBLE_DEVICES",
    "locally_shard_to_cpu": "no effect: see t2t-trainer --num_cpu_devices",
    "eval_early_stopping_steps": "t2t-trainer's --eval_early_stopping_steps",
    "eval_early_stopping_metric": "t2t-trainer's --eval_early_stopping_metric",
    "eval_early_stopping_metric_delta": "t2t-trainer's --eval_early_stopping_metric_delta",
    "eval_early_stopping_metric_minimize": "t2t-trainer's --eval_early_stopping_metric_minimize",
    "eval_timeout_mins": "t2t-trainer's --eval_timeout_mins (--schedule=continuous_eval)",
    "eval_run_autoregressive": "no effect: evaluation is teacher-forced",
    "eval_use_test_set": "no effect: evaluation reads the dev split",
    "export_saved_model": "no effect: run t2t-exporter",
    "hparams_range": "no effect: no hyperparameter search",
    "enable_graph_rewriter": "no effect: TensorFlow 2's defaults",
    "log_device_placement": "no effect",
    "profile": "no effect",
    "dbgprofile": "no effect",
    "tfdbg": "no effect",
    "registry_help": "no effect outside t2t-datagen",
    "timit_paths": "no effect: no TIMIT problem",
    "parsing_path": "no effect: no parsing problem",
}


def define_t2t_flags() -> tuple[str, ...]:
    """Defines each of T2T's flags that the binary has not defined itself; returns
    their names."""
    defined = tuple(name for name in T2T_FLAGS if name not in flags.FLAGS)
    for name in defined:
        help_text = f"T2T's --{name}: {T2T_FLAGS[name]}."
        if name in _BOOLEAN:
            flags.DEFINE_bool(name, False, help_text)
        else:
            flags.DEFINE_string(name, None, help_text)
    return defined


def warn_without_effect(
    binary: str, t2t_only: tuple[str, ...], meaningful: tuple[str, ...] = ()
) -> list[str]:
    """Logs one warning naming the flags of `t2t_only` (from `define_t2t_flags`) that
    were given, other than `meaningful` (which `binary` reads); returns their names."""
    given = [name for name in t2t_only if flags.FLAGS[name].present and name not in meaningful]
    if given:
        logging.warning(
            "T2T flags with no effect in %s (docs/migrating_from_t2t.md): %s",
            binary,
            ", ".join(f"--{name}" for name in given),
        )
    return given
