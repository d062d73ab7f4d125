"""T2T's `hparams.json` as t2t_lite hparams.

Every T2T hparam a `transformer` run can hold is in one of three tables, and
docs/migrating_from_t2t.md lists them (a test keeps the two in step):

- `HONOURED`: t2t_lite has it, with T2T's meaning; the value is carried over.
- `REQUIRED`: it changes the function the model computes and t2t_lite implements one
  or some of its values; any other value is an error naming the hparam and the value.
  Those t2t_lite has as hparams too (`self_attention_type`, `pos`) are carried over.
- `NO_EFFECT`: it does not change the model's function in t2t_lite (a training or
  hardware setting, or read only by a variant refused above); the names present are
  reported in one warning line.

Together they hold every name T2T 1.15.7 can write into a `transformer` run's
`hparams.json`: `common_hparams.basic_params1`, what `models/transformer.py`'s sets add,
what `trainer_lib.create_hparams` and `create_experiment` add, and older T2T's modality
names. A name in none of them (a fork's own hparam) is an error, unless the user declares
it as having no effect.
"""

import dataclasses
from collections.abc import Iterable

from t2t_lite.hparams import HParams, HParamsError, get_hparams
from t2t_lite.layers.attention_spec import SELF_ATTENTION_TYPES
from t2t_lite.models.transformer_family import POSITION_SIGNALS

# The t2t_lite set an imported run is recorded under; every value is written anyway.
IMPORT_HPARAMS_SET = "transformer_base"

HONOURED = {
    "hidden_size": "model width",
    "filter_size": "feed-forward width",
    "num_heads": "attention heads",
    "num_hidden_layers": "layers per stack",
    "num_encoder_layers": "encoder layers (0: num_hidden_layers)",
    "num_decoder_layers": "decoder layers (0: num_hidden_layers)",
    "attention_key_channels": "total key depth (0: hidden_size)",
    "attention_value_channels": "total value depth (0: hidden_size)",
    "max_relative_position": "relative attention's clipping distance (> 0 when relative)",
    "multiply_embedding_mode": "sqrt_depth or none; other values are refused",
    "use_target_space_embedding": "the [32, hidden] table; t2t-import --target_space_id is the id",
    "shared_embedding_and_softmax_weights": "with equal vocabularies T2T shares inputs too",
    "shared_embedding": "inputs and targets share one embedding",
    "norm_epsilon": "LayerNorm epsilon",
    "layer_prepostprocess_dropout": "training dropout",
    "attention_dropout": "training dropout",
    "relu_dropout": "training dropout",
    "label_smoothing": "training loss",
    "initializer": "uniform_unit_scaling or normal_unit_scaling (fresh weights only)",
    "initializer_gain": "initializer scale (fresh weights only)",
    "max_length": "longest example trained on",
    "batch_size": "tokens per batch",
    "min_length_bucket": "length buckets",
    "length_bucket_step": "length buckets",
    "eval_drop_long_sequences": "evaluation batches",
    "optimizer": "adam or multistep_adam (also spelt Adam, MultistepAdam), when fine-tuning",
    "optimizer_adam_beta1": "Adam",
    "optimizer_adam_beta2": "Adam",
    "optimizer_adam_epsilon": "Adam",
    "optimizer_multistep_accumulate_steps": "micro-batches per update under multistep_adam",
    "sampling_method": "decoding's sampler, argmax or random (--decode_hparams overrides it)",
    "sampling_temp": "sampling temperature (--decode_hparams overrides it)",
    "sampling_keep_top_k": "sampling's top k, -1 for all (--decode_hparams overrides it)",
    "clip_grad_norm": "gradient clipping",
    "weight_decay": "decoupled weight decay",
    "learning_rate_warmup_steps": "schedule",
    "learning_rate_schedule": "factor string; legacy means learning_rate_decay_scheme",
    "learning_rate_constant": "schedule constant",
    "learning_rate_decay_steps": "cosdecay factor",
    "learning_rate": "legacy schedules: the constant is learning_rate * 5000 * 0.002 (Adam)",
    "learning_rate_decay_scheme": "legacy schedules: noam; for another, a warning and t2t_lite's",
}

# name -> the values t2t_lite computes (the first is T2T's default, assumed when absent).
REQUIRED = {
    "self_attention_type": SELF_ATTENTION_TYPES,
    "ffn_layer": ("dense_relu_dense",),
    "pos": (*POSITION_SIGNALS, None),  # T2T's None: no position signal
    "layer_preprocess_sequence": ("n",),
    "layer_postprocess_sequence": ("da",),
    "norm_type": ("layer",),
    "proximity_bias": (False,),
    "unidirectional_encoder": (False,),
    "causal_decoder_self_attention": (True,),
    "attention_variables_3d": (False,),
    "prepend_mode": ("none",),
    "symbol_modality_skip_top": (False,),
    "hard_attention_k": (0,),
    "gumbel_noise_weight": (0.0,),
    "num_area_layers": (0,),
    "activation_dtype": ("float32",),
    "weight_dtype": ("float32",),
    "vocab_divisor": (1,),
    "input_modalities": ("default", "", None),
    "target_modality": ("default", "", None),
    "bottom": ({}, "", None),
    "top": ({}, "", None),
    "loss": ({}, "", None),
    "weights_fn": ({}, "", None),
    "modality": ({}, "", None),
}

NO_EFFECT = {
    "symbol_modality_num_shards": "read from the checkpoint: any number of shards",
    "use_pad_remover": "same outputs without it",
    "factored_logits": "training only: the same logits, computed in pieces",
    "force_full_predict": "decoding always uses the key/value cache; same outputs",
    "eval_run_autoregressive": "evaluation is teacher-forced",
    "heads_share_relative_embedding": "dot_product_relative_v2 attention only (refused)",
    "add_relative_to_values": "dot_product_relative_v2 attention only (refused)",
    "parameter_attention_key_channels": "parameter attention only (refused)",
    "parameter_attention_value_channels": "parameter attention only (refused)",
    "conv_first_kernel": "ffn_layer conv_relu_conv only (refused)",
    "kernel_height": "convolutional layers only",
    "kernel_width": "convolutional layers only",
    "moe_hidden_sizes": "mixture of experts only (refused)",
    "moe_num_experts": "mixture of experts only (refused)",
    "moe_k": "mixture of experts only (refused)",
    "moe_loss_coef": "mixture of experts only (refused)",
    "moe_overhead_train": "mixture of experts only (refused)",
    "moe_overhead_eval": "mixture of experts only (refused)",
    "position_features": "pos timing_from_features only (refused)",
    "area_value_mode": "area attention only (refused)",
    "area_key_mode": "area attention only (refused)",
    "max_area_width": "area attention only (refused)",
    "max_area_height": "area attention only (refused)",
    "memory_height": "area attention only (refused)",
    "dropout": "not read by the Transformer",
    "symbol_dropout": "training only: t2t_lite does not drop symbols",
    "layer_prepostprocess_dropout_broadcast_dims": "training only: full dropout masks",
    "attention_dropout_broadcast_dims": "training only: full dropout masks",
    "relu_dropout_broadcast_dims": "training only: full dropout masks",
    "nbr_decoder_problems": "one problem per run",
    "daisy_chain_variables": "T2T variable placement",
    "no_data_parallelism": "tf.distribute decides",
    "use_fixed_batch_size": "input pipeline (t2t-trainer --xla pads to buckets)",
    "batch_shuffle_size": "input pipeline",
    "pack_dataset": "input pipeline: no packing",
    "split_to_length": "input pipeline",
    "split_targets_chunk_length": "input pipeline",
    "split_targets_max_chunks": "input pipeline",
    "split_targets_strided_training": "input pipeline",
    "min_length": "input pipeline",
    "max_input_seq_length": "input pipeline",
    "max_target_seq_length": "input pipeline",
    "compress_steps": "not read by the Transformer",
    "grad_noise_scale": "training only",
    "weight_noise": "training only",
    "summarize_grads": "summaries",
    "summarize_vars": "summaries",
    "mlperf_mode": "logging",
    "optimizer_momentum_momentum": "other optimizers",
    "optimizer_momentum_nesterov": "other optimizers",
    "optimizer_adafactor_beta1": "other optimizers",
    "optimizer_adafactor_beta2": "other optimizers",
    "optimizer_adafactor_factored": "other optimizers",
    "optimizer_adafactor_decay_type": "other optimizers",
    "optimizer_adafactor_memory_exponent": "other optimizers",
    "optimizer_adafactor_clipping_threshold": "other optimizers",
    "optimizer_adafactor_multiply_by_parameter_scale": "other optimizers",
    "optimizer_zero_grads": "training only",
    "mixed_precision_optimizer_loss_scaler": "use t2t-trainer --mixed_precision",
    "mixed_precision_optimizer_init_loss_scale": "use t2t-trainer --mixed_precision",
    "gpu_automatic_mixed_precision": "use t2t-trainer --mixed_precision",
    "learning_rate_cosine_cycle_steps": "legacy cosine schedules only",
    "learning_rate_decay_staircase": "legacy exponential schedules only",
    "learning_rate_minimum": "legacy schedules only",
    "learning_rate_decay_rate": "legacy exponential schedules only",
    "scheduled_sampling_prob": "training only",
    "scheduled_sampling_method": "training only",
    "scheduled_sampling_warmup_steps": "training only",
    "scheduled_sampling_gold_mixin_prob": "training only",
    "scheduled_sampling_num_passes": "training only",
    "scheduled_sampling_warmup_schedule": "training only",
    "tpu_enable_host_call": "TPU bookkeeping",
    "pad_batch": "input pipeline",
    "pretrained_model_dir": "use t2t-trainer --warm_start_from",
    "warm_start_from_second": "use t2t-trainer --warm_start_from",
    "overload_eval_metric_name": "metrics naming",
    "name": "T2T registry bookkeeping",
    "video_num_input_frames": "video problems only",
    "video_num_target_frames": "video problems only",
    "multiproblem_schedule_threshold": "multi-problem training only",
    "multiproblem_per_task_threshold": "multi-problem training only",
    "multiproblem_schedule_max_examples": "multi-problem training only",
    "multiproblem_mixing_schedule": "multi-problem training only",
    "multiproblem_reweight_label_loss": "multi-problem training only",
    "multiproblem_label_weight": "multi-problem training only",
    "multiproblem_target_eval_only": "multi-problem training only",
    "multiproblem_vocab_size": "multi-problem training only",
    "multiproblem_max_input_length": "multi-problem training only",
    "multiproblem_max_target_length": "multi-problem training only",
    "multiproblem_fixed_train_length": "multi-problem training only",
    "use_custom_ops": "T2T's own TF ops for speed: same outputs",
    "expected_attention_loss_type": "supervised-attention training loss only",
    "expected_attention_loss_multiplier": "supervised-attention training loss only",
    "memory_type": "T2T's transformer_memory model only (t2t-import takes transformer runs)",
    "num_memory_items": "T2T's transformer_memory model only",
    "recurrent_memory_batch_size": "T2T's transformer_memory model only",
    "unconditional": "T2T's transformer_memory model only",
    # Added by expert_utils.update_hparams_for_vq_gating (transformer_base_vq_ada_32ex_packed).
    "z_size": "ffn_layer local_moe's VQ gating only (refused)",
    "noise_dev": "ffn_layer local_moe's VQ gating only (refused)",
    "bottleneck_kind": "ffn_layer local_moe's VQ gating only (refused)",
    "num_blocks": "ffn_layer local_moe's VQ gating only (refused)",
    "num_residuals": "ffn_layer local_moe's VQ gating only (refused)",
    "beta": "ffn_layer local_moe's VQ gating only (refused)",
    "epsilon": "ffn_layer local_moe's VQ gating only (refused)",
    "decay": "ffn_layer local_moe's VQ gating only (refused)",
    "ema": "ffn_layer local_moe's VQ gating only (refused)",
    "random_top_k": "ffn_layer local_moe's VQ gating only (refused)",
    "soft_em": "ffn_layer local_moe's VQ gating only (refused)",
    "num_samples": "ffn_layer local_moe's VQ gating only (refused)",
    "gating_type": "ffn_layer local_moe's VQ gating only (refused)",
    "use_scales": "ffn_layer local_moe's VQ gating only (refused)",
    "residual_centroids": "ffn_layer local_moe's VQ gating only (refused)",
    # Added by trainer_lib.create_hparams (data_dir) and create_experiment: run settings.
    "model_dir": "t2t-trainer run setting (use --output_dir)",
    "data_dir": "t2t-trainer run setting (use --data_dir)",
    "train_steps": "t2t-trainer run setting (use --train_steps)",
    "eval_steps": "t2t-trainer run setting (use --eval_steps)",
    "schedule": "t2t-trainer run setting (use --schedule)",
    "warm_start_from": "t2t-trainer run setting (use --warm_start_from)",
    "std_server_protocol": "t2t-trainer run setting (tf.distribute decides)",
    "eval_freq_in_steps": "t2t-trainer run setting (use --local_eval_frequency)",
    "eval_timeout_mins": "t2t-trainer run setting (continuous evaluation)",
}

# What T2T's legacy `noam` schedule multiplies `learning_rate` by, as t2t_lite's
# constant: 5000 in the formula, times the 0.002 T2T applies for Adam.
_NOAM_CONSTANT = 5000.0 * 0.002
_NOAM_FACTORS = "constant*linear_warmup*rsqrt_decay*rsqrt_hidden_size"


@dataclasses.dataclass
class ConvertedHParams:
    """`hparams`: t2t_lite's `IMPORT_HPARAMS_SET` with T2T's values. `no_effect`: the
    NO_EFFECT (or declared) names present, for one warning line. `warnings`: training
    settings t2t_lite replaces by its own."""

    hparams: HParams
    no_effect: list[str]
    warnings: list[str]


def convert_t2t_hparams(
    values: dict, source: str, declared_no_effect: Iterable[str] = ()
) -> ConvertedHParams:
    """T2T's hparams `values` (from `source`, named in errors) as t2t_lite hparams.

    Raises `HParamsError` naming `source`, the hparam and its value for an unsupported
    value or a name in no table (unless in `declared_no_effect`).
    """
    declared = set(declared_no_effect)
    unknown = sorted(
        name
        for name in values
        if name not in HONOURED | REQUIRED | NO_EFFECT and name not in declared
    )
    if unknown:
        raise HParamsError(
            f"{source}: T2T hparam{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
            "unknown to t2t_lite: whether they change the model cannot be told. If they do "
            "not, pass --t2t_hparams_no_effect=" + ",".join(unknown)
        )
    for name, allowed in REQUIRED.items():
        value = values.get(name, allowed[0])
        if not any(value == a and type(value) is type(a) for a in allowed):
            supported = " or ".join(repr(a) for a in allowed if a is not None)
            raise HParamsError(
                f"{source}: T2T hparam {name}={value!r} is not supported by t2t_lite "
                f"(it computes {name}={supported})"
            )
    hparams = get_hparams(IMPORT_HPARAMS_SET)
    for name in HONOURED:
        if name in values and name in hparams:
            try:
                hparams.set(name, values[name])
            except HParamsError as error:
                raise HParamsError(f"{source}: {error}") from None
    hparams.use_target_space_embedding = bool(values.get("use_target_space_embedding", True))
    if "multistep" not in str(values.get("optimizer", "adam")).lower():
        hparams.optimizer_multistep_accumulate_steps = 0  # T2T's other optimizers ignore it
    hparams.self_attention_type = values.get("self_attention_type", "dot_product")
    # T2T's `pos=None` (transformer_relative) adds no position signal: t2t_lite's "none".
    hparams.pos = "timing" if values.get("pos", "timing") == "timing" else "none"
    warnings = _convert_schedule(values, hparams)
    no_effect = sorted(name for name in values if name in NO_EFFECT or name in declared)
    return ConvertedHParams(hparams, no_effect, warnings)


def _convert_schedule(values: dict, hparams: HParams) -> list[str]:
    """T2T's legacy `noam` schedule as t2t_lite's factor string (T2T's counts steps from
    1, t2t_lite's from 0). Returns a warning for a schedule t2t_lite lacks."""
    schedule = values.get("learning_rate_schedule", "legacy")
    if schedule != "legacy":
        return []  # a factor string, carried over as it is (t2t-trainer checks its factors)
    scheme = values.get("learning_rate_decay_scheme", "none")
    if scheme != "noam":
        return [
            f"T2T's legacy learning_rate_decay_scheme={scheme!r} has no t2t_lite equivalent: "
            f"fine-tuning uses {hparams.learning_rate_schedule!r} with constant "
            f"{hparams.learning_rate_constant} (change it with t2t-trainer --hparams)"
        ]
    hparams.learning_rate_schedule = _NOAM_FACTORS
    rate = float(values.get("learning_rate", 0.1))
    adam = "adam" in str(values.get("optimizer", "adam")).lower()
    hparams.learning_rate_constant = rate * (_NOAM_CONSTANT if adam else 5000.0)
    return []
