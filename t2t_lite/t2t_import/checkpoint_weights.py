"""The weights of T2T's `transformer` in a T2T (TF1, name-based) checkpoint, keyed by
t2t_lite's variable paths.

T2T names variables by its variable scopes; t2t_lite fuses some of them: a
self-attention's `q`, `k` and `v` kernels are one `qkv_kernel` (columns in that order),
an encoder-decoder attention's `k` and `v` one `kv_kernel`. Embeddings are T2T's symbol
modality shards `symbol_modality_<vocab>_<hidden>/<scope>/weights_<i>`, concatenated in
shard order (any number of shards, uneven ones too). Relative attention's tables are
`.../multihead_attention/dot_product_attention_relative/relative_positions_{keys,values}/
embeddings` under each self-attention. Optimizer slots (`<variable>/Adam`,
...) and bookkeeping variables (`global_step`, `training/...`, `losses_avg/...`) are
skipped; any other variable of the model scope that the model does not use is an error.
"""

import re

import numpy as np
import tensorflow as tf

from t2t_lite.runs import CheckpointError, variables_by_path

T2T_SCOPE = "transformer"

_ATTENTION = {"self_attention": "self_attention", "encdec_attention": "memory_attention"}
_NORM = {"layer_norm_scale": "gamma", "layer_norm_bias": "beta"}


_RELATIVE_TABLES = {"key": "keys", "value": "values"}


def _stack_names(
    stack: str, num_layers: int, decoder: bool, relative: bool
) -> dict[str, list[str]]:
    """t2t_lite path -> the T2T names whose arrays make it, for one stack."""
    body = f"{T2T_SCOPE}/body/{stack}"
    names = {}
    for i in range(num_layers):
        ours, theirs = f"{stack}/layer_{i}", f"{body}/layer_{i}"
        blocks = ["self_attention", "encdec_attention"] if decoder else ["self_attention"]
        for block in blocks:
            attention = _ATTENTION[block]
            for t2t, keras_name in _NORM.items():
                names[f"{ours}/{attention}_norm/{keras_name}"] = [
                    f"{theirs}/{block}/layer_prepostprocess/layer_norm/{t2t}"
                ]
            kernel = f"{theirs}/{block}/multihead_attention"
            if block == "self_attention":
                names[f"{ours}/{attention}/qkv_kernel"] = [f"{kernel}/{p}/kernel" for p in "qkv"]
                if relative:
                    for part, t2t in _RELATIVE_TABLES.items():
                        names[f"{ours}/{attention}/relative_{part}_embeddings"] = [
                            f"{kernel}/dot_product_attention_relative/relative_positions_{t2t}/"
                            "embeddings"
                        ]
            else:
                names[f"{ours}/{attention}/query_kernel"] = [f"{kernel}/q/kernel"]
                names[f"{ours}/{attention}/kv_kernel"] = [f"{kernel}/{p}/kernel" for p in "kv"]
            names[f"{ours}/{attention}/output_kernel"] = [f"{kernel}/output_transform/kernel"]
        for t2t, keras_name in _NORM.items():
            names[f"{ours}/feed_forward_norm/{keras_name}"] = [
                f"{theirs}/ffn/layer_prepostprocess/layer_norm/{t2t}"
            ]
        for conv, dense in (("conv1", "filter"), ("conv2", "output")):
            for part in ("kernel", "bias"):
                names[f"{ours}/feed_forward/{dense}/{part}"] = [f"{theirs}/ffn/{conv}/{part}"]
    for t2t, keras_name in _NORM.items():
        names[f"{stack}/output_norm/{keras_name}"] = [
            f"{body}/layer_prepostprocess/layer_norm/{t2t}"
        ]
    return names


def _embedding_scopes(model) -> dict[str, tuple[int, str]]:
    """t2t_lite embedding path -> (vocab size, T2T's symbol modality sub-scope)."""
    shared_softmax = model.shared_embedding_and_softmax_weights
    shared_inputs = shared_softmax or model.shared_embedding
    scopes = {
        "input_embedding/embeddings": (
            model.input_vocab_size,
            "shared" if shared_inputs else "input_emb",
        ),
        "target_embedding/embeddings": (
            model.target_vocab_size,
            "shared" if shared_inputs else "target_emb",
        ),
        "softmax/embeddings": (
            model.target_vocab_size,
            "shared" if shared_softmax else "softmax",
        ),
    }
    return scopes


def t2t_model_weights(model, checkpoint: str) -> tuple[dict[str, np.ndarray], int]:
    """`({t2t_lite path: array}, global_step)` read from the T2T `checkpoint` for
    `model` (built, its vocabulary sizes and sharing as T2T's hparams say).

    Raises `CheckpointError` naming the checkpoint and the variable for a missing
    variable, a shape that is not the model's, or a model variable nothing uses.
    """
    reader = tf.train.load_checkpoint(checkpoint)
    shapes = reader.get_variable_to_shape_map()
    if not any(name.startswith(f"{T2T_SCOPE}/body/encoder/") for name in shapes):
        raise CheckpointError(
            f"{checkpoint} has no {T2T_SCOPE}/body/encoder/ variables: a decoder-only T2T run "
            "(a language-model problem, has_inputs=False), which t2t-import does not take yet"
        )
    wanted = variables_by_path(model)
    relative = model.attention.max_relative_position is not None
    sources = _stack_names("encoder", model.num_encoder_layers, False, relative)
    sources |= _stack_names("decoder", model.num_decoder_layers, True, relative)
    if model.target_space_embedding is not None:
        sources["target_space_embedding/embeddings"] = [
            f"{T2T_SCOPE}/body/target_space_embedding/kernel"
        ]
    hidden = model.hidden_size
    for path, (vocab, scope) in _embedding_scopes(model).items():
        if path in wanted:
            prefix = f"{T2T_SCOPE}/symbol_modality_{vocab}_{hidden}/{scope}/weights_"
            sources[path] = _shard_names(shapes, prefix, checkpoint, path)

    arrays, used = {}, set()
    for path, variable in wanted.items():
        names = sources.get(path)
        if names is None:
            raise CheckpointError(f"no T2T variable is known for t2t_lite's {path}")
        parts = []
        for name in names:
            if name not in shapes:
                raise CheckpointError(
                    f"{checkpoint} has no variable {name}, which the model its hparams.json "
                    f"describes needs (for {path})"
                )
            parts.append(_squeezed(reader.get_tensor(name)))
            used.add(name)
        axis = 0 if path.endswith("embeddings") else -1
        array = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=axis)
        if tuple(array.shape) != tuple(variable.shape):
            raise CheckpointError(
                f"{checkpoint}: {', '.join(names)} {'make' if len(names) > 1 else 'has'} shape "
                f"{list(array.shape)}, but hparams.json's model needs {list(variable.shape)} for "
                f"{path} (check hidden_size, filter_size, attention_*_channels and the vocabulary "
                "size against the checkpoint)"
            )
        arrays[path] = array
    unused = sorted(
        name
        for name in shapes
        if name.startswith(f"{T2T_SCOPE}/") and name not in used and not _is_slot(name, used)
    )
    if unused:
        more = f" and {len(unused) - 3} more" if len(unused) > 3 else ""
        raise CheckpointError(
            f"{checkpoint} holds model variables that the model its hparams.json describes does "
            f"not have: {', '.join(unused[:3])}{more} (more layers, another ffn_layer or "
            "attention type than hparams.json says?)"
        )
    step = int(reader.get_tensor("global_step")) if "global_step" in shapes else 0
    return arrays, step


def _shard_names(shapes: dict, prefix: str, checkpoint: str, path: str) -> list[str]:
    pattern = re.compile(re.escape(prefix) + r"(\d+)$")
    shards = sorted(
        (int(found.group(1)), name) for name in shapes if (found := pattern.match(name))
    )
    if not shards:
        raise CheckpointError(
            f"{checkpoint} has no variables {prefix}<i>, the symbol modality shards of {path} "
            "(the vocabulary size or hidden_size differs from the checkpoint's?)"
        )
    numbers = [number for number, _ in shards]
    if numbers != list(range(len(numbers))):
        raise CheckpointError(
            f"{checkpoint}: the shards {prefix}<i> are not numbered 0..{len(numbers) - 1} "
            f"(found {numbers})"
        )
    return [name for _, name in shards]


def _squeezed(array: np.ndarray) -> np.ndarray:
    """Kernels of older T2T's 1x1 convolutions carry leading axes of size 1."""
    while array.ndim > 2 and array.shape[0] == 1:
        array = array[0]
    return array


def _is_slot(name: str, used: set[str]) -> bool:
    """An optimizer slot of a used variable (`<variable>/Adam`, `<variable>/Adam_1`, ...)."""
    return any(name.startswith(variable + "/") for variable in used)
