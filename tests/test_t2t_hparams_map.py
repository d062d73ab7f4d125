"""Every hparam name T2T 1.15.7 can write into a `transformer` run's `hparams.json` is in
one of t2t_import's three tables; the names below were read from T2T 1.15.7's source, not
from a sample run (a name in no table still stops an import)."""

import json

import pytest

from t2t_lite.hparams import HParamsError
from t2t_lite.t2t_import import HONOURED, NO_EFFECT, REQUIRED, convert_t2t_hparams

from shared_data import require_t2t

# tensor2tensor/layers/common_hparams.py, basic_params1 (v1.15.7).
BASIC_PARAMS1 = """
    batch_size batch_shuffle_size use_fixed_batch_size num_hidden_layers kernel_height
    kernel_width hidden_size compress_steps dropout clip_grad_norm grad_noise_scale
    summarize_grads mlperf_mode summarize_vars initializer initializer_gain
    label_smoothing optimizer optimizer_adam_epsilon optimizer_adam_beta1
    optimizer_adam_beta2 optimizer_momentum_momentum optimizer_momentum_nesterov
    optimizer_adafactor_beta1 optimizer_adafactor_beta2 optimizer_adafactor_factored
    optimizer_adafactor_decay_type optimizer_adafactor_memory_exponent
    optimizer_adafactor_clipping_threshold
    optimizer_adafactor_multiply_by_parameter_scale optimizer_multistep_accumulate_steps
    mixed_precision_optimizer_loss_scaler mixed_precision_optimizer_init_loss_scale
    optimizer_zero_grads weight_decay weight_noise learning_rate_schedule
    learning_rate_constant learning_rate_decay_scheme learning_rate_decay_steps
    learning_rate_decay_staircase learning_rate_minimum learning_rate_decay_rate
    learning_rate_warmup_steps learning_rate_cosine_cycle_steps learning_rate
    sampling_method sampling_temp sampling_keep_top_k factored_logits
    multiply_embedding_mode moe_hidden_sizes moe_num_experts moe_k moe_loss_coef
    layer_preprocess_sequence layer_postprocess_sequence layer_prepostprocess_dropout
    layer_prepostprocess_dropout_broadcast_dims symbol_dropout norm_type norm_epsilon
    vocab_divisor min_length max_length pack_dataset use_custom_ops
    split_targets_chunk_length split_targets_max_chunks split_targets_strided_training
    min_length_bucket length_bucket_step eval_drop_long_sequences
    eval_run_autoregressive shared_embedding_and_softmax_weights shared_embedding
    symbol_modality_num_shards bottom loss name top weights_fn max_input_seq_length
    max_target_seq_length split_to_length video_num_input_frames video_num_target_frames
    prepend_mode scheduled_sampling_prob scheduled_sampling_method
    scheduled_sampling_warmup_steps scheduled_sampling_gold_mixin_prob
    scheduled_sampling_num_passes scheduled_sampling_warmup_schedule
    daisy_chain_variables force_full_predict no_data_parallelism activation_dtype
    weight_dtype pretrained_model_dir multiproblem_schedule_threshold
    multiproblem_per_task_threshold multiproblem_schedule_max_examples
    multiproblem_mixing_schedule multiproblem_reweight_label_loss
    multiproblem_label_weight max_relative_position heads_share_relative_embedding
    add_relative_to_values tpu_enable_host_call pad_batch multiproblem_target_eval_only
    multiproblem_vocab_size multiproblem_max_input_length multiproblem_max_target_length
    multiproblem_fixed_train_length warm_start_from_second area_value_mode area_key_mode
    num_area_layers max_area_width max_area_height memory_height
    gpu_automatic_mixed_precision
"""
# tensor2tensor/models/transformer.py: every add_hparam of its sets (transformer_base_v1,
# transformer_supervised_attention, transformer_wikitext103_l4k_memory_v0).
TRANSFORMER_SETS = """
    filter_size num_encoder_layers num_decoder_layers num_heads attention_key_channels
    attention_value_channels ffn_layer parameter_attention_key_channels
    parameter_attention_value_channels attention_dropout
    attention_dropout_broadcast_dims relu_dropout relu_dropout_broadcast_dims pos
    position_features nbr_decoder_problems proximity_bias causal_decoder_self_attention
    use_pad_remover self_attention_type conv_first_kernel attention_variables_3d
    use_target_space_embedding moe_overhead_train moe_overhead_eval
    overload_eval_metric_name unidirectional_encoder hard_attention_k
    gumbel_noise_weight expected_attention_loss_type expected_attention_loss_multiplier
    memory_type unconditional recurrent_memory_batch_size num_memory_items
"""
# utils/expert_utils.py update_hparams_for_vq_gating, which transformer.py's
# transformer_base_vq_ada_32ex_packed calls.
VQ_GATING = """
    z_size noise_dev bottleneck_kind num_blocks num_residuals beta epsilon decay ema
    random_top_k soft_em num_samples gating_type use_scales residual_centroids
"""
# utils/hparams_lib.create_hparams (data_dir) and trainer_lib.create_experiment.
TRAINER = """
    data_dir model_dir train_steps eval_steps schedule warm_start_from std_server_protocol
    eval_freq_in_steps eval_timeout_mins
"""
# What older T2T wrote (the test checkpoint's hparams.json).
OLDER_T2T = "input_modalities target_modality modality"

T2T_NAMES = " ".join([BASIC_PARAMS1, TRANSFORMER_SETS, VQ_GATING, TRAINER, OLDER_T2T]).split()


def test_every_name_t2t_writes_is_in_one_table():
    tables = [set(HONOURED), set(REQUIRED), set(NO_EFFECT)]
    assert sum(map(len, tables)) == len(set().union(*tables)), "a name in two tables"
    missing = sorted(set(T2T_NAMES) - set().union(*tables))
    assert missing == []
    assert len(T2T_NAMES) == len(set(T2T_NAMES)) == 186


def test_a_run_written_by_t2t_1_15_7_converts_with_relative_attention():
    t2t = require_t2t()
    path = t2t / "transformer_relative_run" / "hparams.json"
    values = json.loads(path.read_text())
    assert "data_dir" in values and "use_custom_ops" in values  # what stopped imports before
    converted = convert_t2t_hparams(values, str(path))
    hparams = converted.hparams
    assert (hparams.pos, hparams.self_attention_type) == ("none", "dot_product_relative")
    assert (hparams.max_relative_position, hparams.hidden_size, hparams.num_heads) == (8, 64, 4)
    assert {"data_dir", "use_custom_ops", "heads_share_relative_embedding"} <= set(
        converted.no_effect
    )
    # Everything create_experiment adds converts too.
    trainer_values = dict.fromkeys(TRAINER.split(), "x")
    convert_t2t_hparams({**values, **trainer_values}, str(path))
    # A fork's own name, and T2T's music-transformer attention, still stop it.
    with pytest.raises(HParamsError, match="my_fork_setting unknown to t2t_lite"):
        convert_t2t_hparams({**values, "my_fork_setting": 1}, str(path))
    with pytest.raises(
        HParamsError, match="self_attention_type='dot_product_relative_v2' is not supported"
    ):
        convert_t2t_hparams({**values, "self_attention_type": "dot_product_relative_v2"}, "x")
