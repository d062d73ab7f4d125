"""The rules both Transformer families (the encoder-decoder `Transformer` and the
`DecoderOnlyTransformer`) share: T2T's hparams read into constructor arguments, their Keras
config, and the shift right of teacher forcing."""

from typing import TYPE_CHECKING

import keras
from keras import ops

from t2t_lite.errors import HParamsError
from t2t_lite.ids import PAD_ID
from t2t_lite.layers import AttentionSpec

if TYPE_CHECKING:  # hparams.py reads files through TensorFlow; the models run without it
    from t2t_lite.hparams import HParams


def initializer_from_hparams(hparams: "HParams") -> keras.initializers.Initializer:
    """T2T's `initializer` / `initializer_gain` as a Keras initializer."""
    gain = hparams.initializer_gain
    if hparams.initializer == "uniform_unit_scaling":
        return keras.initializers.VarianceScaling(gain, mode="fan_avg", distribution="uniform")
    if hparams.initializer == "normal_unit_scaling":
        return keras.initializers.VarianceScaling(
            gain, mode="fan_avg", distribution="truncated_normal"
        )
    raise HParamsError(
        f"hparams.initializer={hparams.initializer!r} is not supported; "
        "use uniform_unit_scaling or normal_unit_scaling"
    )


def scale_embeddings_from_hparams(hparams: "HParams") -> bool:
    """T2T's `multiply_embedding_mode`: `sqrt_depth` scales embeddings, `none` does not."""
    mode = hparams.multiply_embedding_mode
    if mode not in ("sqrt_depth", "none"):
        raise HParamsError(
            f"hparams.multiply_embedding_mode={mode!r} is not supported; use sqrt_depth or none"
        )
    return mode == "sqrt_depth"


# T2T's `pos` values t2t_lite computes: the timing signal, or no position signal (T2T's
# None, which `transformer_relative` sets: relative attention alone).
POSITION_SIGNALS = ("timing", "none")


def timing_signal_from_hparams(hparams: "HParams") -> bool:
    """Whether T2T's `pos` adds the sinusoidal timing signal (absent: it does)."""
    pos = hparams.pos if "pos" in hparams else "timing"
    if pos not in POSITION_SIGNALS:
        raise HParamsError(
            f"hparams.pos={pos!r} is not supported; use " + " or ".join(POSITION_SIGNALS)
        )
    return pos == "timing"


def has_inputs(hparams: "HParams") -> bool:
    """Whether a run's problem has inputs (runs recorded before the entry existed did)."""
    return hparams.has_inputs if "has_inputs" in hparams else True


# What both Transformer families (this one and `DecoderOnlyTransformer`) take.
FAMILY_SETTINGS = (
    "hidden_size",
    "filter_size",
    "attention",
    "relu_dropout",
    "layer_prepostprocess_dropout",
    "norm_epsilon",
    "shared_embedding_and_softmax_weights",
    "kernel_initializer",
    "scale_embeddings",
    "use_timing_signal",
)


def family_kwargs_from_hparams(hparams: "HParams") -> dict:
    """The `FAMILY_SETTINGS` arguments T2T's hparams give (one rule for both families)."""
    return dict(
        hidden_size=hparams.hidden_size,
        filter_size=hparams.filter_size,
        attention=AttentionSpec.from_hparams(hparams),
        relu_dropout=hparams.relu_dropout,
        layer_prepostprocess_dropout=hparams.layer_prepostprocess_dropout,
        norm_epsilon=hparams.norm_epsilon,
        shared_embedding_and_softmax_weights=hparams.shared_embedding_and_softmax_weights,
        kernel_initializer=initializer_from_hparams(hparams),
        scale_embeddings=scale_embeddings_from_hparams(hparams),
        use_timing_signal=timing_signal_from_hparams(hparams),
    )


def family_config(model: keras.Model, *own_settings: str) -> dict:
    """A family model's Keras config: its name, dtype, `FAMILY_SETTINGS` and its own."""
    config = {
        "name": model.name,
        "trainable": model.trainable,
        "dtype": keras.dtype_policies.serialize(model.dtype_policy),
    }
    for name in FAMILY_SETTINGS + own_settings:
        value = getattr(model, name)
        if name == "attention":
            value = value.get_config()
        elif name == "kernel_initializer":
            value = keras.initializers.serialize(value)
        config[name] = value
    return config


def shift_right(ids, pad_id: int = PAD_ID):
    """`[batch, length]` -> the same ids one position later, `pad_id` in front."""
    return ops.pad(ids, [[0, 0], [1, 0]], constant_values=pad_id)[:, :-1]
