"""Hyperparameters: T2T's named Transformer sets and its `"name=value,..."` overrides.

`HParams` holds typed values; `parse` applies T2T's override string, checking each name
and each value's type against the set it overrides. Sets are registered by name and
built fresh on every call, so no caller can change another's copy.
"""

import copy
import difflib
import json
from collections.abc import Callable

from t2t_lite.errors import HParamsError
from t2t_lite.utils import file_system as fs

_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no")


class HParams:
    """Named, typed hyperparameter values with attribute access.

    The type of each value is fixed by its first assignment: overrides must parse to it
    (an int is accepted where a float is expected).
    """

    def __init__(self, **values):
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name):
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"no hyperparameter named {name!r}") from None

    def __setattr__(self, name, value):
        self.set(name, value)

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def __eq__(self, other) -> bool:
        return isinstance(other, HParams) and self._values == other._values

    def __repr__(self) -> str:
        return f"HParams({self.to_json(indent=None)})"

    def add(self, name: str, value) -> None:
        """Adds a new hyperparameter; adding an existing name is an error."""
        if name in self._values:
            raise HParamsError(f"hyperparameter {name!r} already exists")
        self._values[name] = value

    def set(self, name: str, value) -> None:
        """Sets an existing hyperparameter, checking the type."""
        if name not in self._values:
            raise HParamsError(_unknown_name_message(name, self._values))
        self._values[name] = _coerce(name, value, self._values[name])

    def values(self) -> dict:
        """A copy of all values as a dict."""
        return dict(self._values)

    def copy(self) -> "HParams":
        return HParams(**copy.deepcopy(self._values))

    def parse(self, overrides: str) -> "HParams":
        """Applies T2T's override string, e.g. `"hidden_size=64,label_smoothing=0.0"`.

        Returns `self`. Raises `HParamsError` naming the bad entry.
        """
        for name, text in _split_overrides(overrides):
            if name not in self._values:
                raise HParamsError(_unknown_name_message(name, self._values))
            self._values[name] = _parse_value(name, text, self._values[name])
        return self

    def override_from_dict(self, values: dict) -> "HParams":
        for name, value in values.items():
            self.set(name, value)
        return self

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self._values, indent=indent, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "HParams":
        values = json.loads(text)
        if not isinstance(values, dict):
            raise HParamsError("hparams JSON must be an object of name: value")
        return cls(**values)

    def save(self, path: str) -> None:
        """Writes JSON to `path` through a temporary file and a rename."""
        fs.write_atomically(path, self.to_json() + "\n")

    @classmethod
    def load(cls, path: str) -> "HParams":
        text = fs.read_text(path)
        try:
            return cls.from_json(text)
        except json.JSONDecodeError as e:
            raise HParamsError(f"{path}: not valid JSON: {e}") from None


def _unknown_name_message(name: str, known) -> str:
    close = difflib.get_close_matches(name, list(known), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"unknown hyperparameter {name!r}{hint}"


def _split_overrides(overrides: str):
    for entry in overrides.split(","):
        entry = entry.strip()
        if not entry:
            continue
        name, sep, text = entry.partition("=")
        name = name.strip()
        if not sep or not name:
            raise HParamsError(f"malformed hparams entry {entry!r}: expected name=value")
        yield name, text.strip()


def _parse_value(name: str, text: str, current):
    expected = type(current)
    try:
        if expected is bool:
            lowered = text.lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
            raise ValueError
        if expected is int:
            return int(text)
        if expected is float:
            return float(text)
    except ValueError:
        raise HParamsError(
            f"hyperparameter {name!r} expects {expected.__name__}, got {text!r}"
        ) from None
    return text


def _coerce(name: str, value, current):
    expected = type(current)
    if expected is float and type(value) is int:
        return float(value)
    if type(value) is expected:
        return value
    raise HParamsError(
        f"hyperparameter {name!r} expects {expected.__name__}, got {type(value).__name__}"
    )


_HPARAMS_SETS: dict[str, Callable[[], HParams]] = {}


def register_hparams(fn: Callable[[], HParams]) -> Callable[[], HParams]:
    """Registers a function returning `HParams` under its own name."""
    if fn.__name__ in _HPARAMS_SETS:
        raise HParamsError(f"hparams set {fn.__name__!r} is already registered")
    _HPARAMS_SETS[fn.__name__] = fn
    return fn


def list_hparams_sets() -> list[str]:
    return sorted(_HPARAMS_SETS)


def get_hparams(name: str, overrides: str = "") -> HParams:
    """A fresh copy of the named set with `overrides` (T2T's string form) applied."""
    if name not in _HPARAMS_SETS:
        close = difflib.get_close_matches(name, list(_HPARAMS_SETS), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise HParamsError(f"unknown hparams set {name!r}{hint}; known: {list_hparams_sets()}")
    return _HPARAMS_SETS[name]().parse(overrides)


@register_hparams
def transformer_base() -> HParams:
    """T2T's `transformer_base` (v3): 6+6 layers of width 512, pre-norm."""
    return HParams(
        hidden_size=512,
        filter_size=2048,
        num_heads=8,
        # Total query/key and value depths over all heads; 0 means hidden_size (T2T).
        attention_key_channels=0,
        attention_value_channels=0,
        # "dot_product", or "dot_product_relative" (Shaw et al. 2018) in self-attention,
        # with distances clipped to max_relative_position (> 0 then).
        self_attention_type="dot_product",
        max_relative_position=0,
        # "timing" adds T2T's sinusoidal timing signal; "none" (T2T's None) adds nothing.
        pos="timing",
        num_hidden_layers=6,
        # 0 means num_hidden_layers, as in T2T.
        num_encoder_layers=0,
        num_decoder_layers=0,
        layer_prepostprocess_dropout=0.1,
        attention_dropout=0.1,
        relu_dropout=0.1,
        label_smoothing=0.1,
        norm_epsilon=1e-6,
        shared_embedding_and_softmax_weights=True,
        shared_embedding=False,
        # "sqrt_depth" or "none" (T2T's modalities scale by sqrt(hidden_size) or not).
        multiply_embedding_mode="sqrt_depth",
        # T2T's target space embedding: off for t2t_lite's own problems; on (with the
        # id T2T fed) for runs imported from T2T.
        use_target_space_embedding=False,
        target_space_id=0,
        initializer="uniform_unit_scaling",
        initializer_gain=1.0,
        max_length=256,
        batch_size=4096,
        min_length_bucket=8,
        length_bucket_step=1.1,
        eval_drop_long_sequences=False,
        # "adam", or "multistep_adam": Adam over the mean gradient of
        # optimizer_multistep_accumulate_steps micro-batches (the step counts micro-batches).
        optimizer="adam",
        optimizer_multistep_accumulate_steps=0,
        optimizer_adam_beta1=0.9,
        optimizer_adam_beta2=0.997,
        optimizer_adam_epsilon=1e-9,
        clip_grad_norm=0.0,
        weight_decay=0.0,
        # OpenNMT-tf's EMA of the weights (0: none); evaluation, decoding and export use it.
        moving_average_decay=0.0,
        learning_rate_schedule="constant*linear_warmup*rsqrt_decay*rsqrt_hidden_size",
        learning_rate_constant=2.0,
        learning_rate_warmup_steps=8000,
        # Only the `cosdecay` factor reads it (T2T's default).
        learning_rate_decay_steps=5000,
        # T2T's sampling hparams, which decoding reads (--decode_hparams overrides them):
        # "argmax" or "random"; the temperature; the top k ids kept (-1: all).
        sampling_method="argmax",
        sampling_temp=1.0,
        sampling_keep_top_k=-1,
    )


def _resized(hidden_size: int, filter_size: int, num_heads: int, num_layers: int) -> HParams:
    hparams = transformer_base()
    hparams.hidden_size = hidden_size
    hparams.filter_size = filter_size
    hparams.num_heads = num_heads
    hparams.num_hidden_layers = num_layers
    return hparams


@register_hparams
def transformer_base_multistep8() -> HParams:
    """T2T's: transformer_base with the gradients of 8 batches in each update."""
    hparams = transformer_base()
    hparams.optimizer = "multistep_adam"
    hparams.optimizer_multistep_accumulate_steps = 8
    return hparams


@register_hparams
def transformer_tiny() -> HParams:
    return _resized(128, 512, 4, 2)


@register_hparams
def transformer_small() -> HParams:
    return _resized(256, 1024, 4, 2)


@register_hparams
def transformer_big() -> HParams:
    hparams = _resized(1024, 4096, 16, 6)
    hparams.layer_prepostprocess_dropout = 0.3
    hparams.batch_size = 2048
    return hparams


def _relative(hparams: HParams) -> HParams:
    """T2T's relative variant of a set: no timing signal, relative self-attention."""
    hparams.pos = "none"
    hparams.self_attention_type = "dot_product_relative"
    hparams.max_relative_position = 20
    return hparams


@register_hparams
def transformer_relative() -> HParams:
    return _relative(transformer_base())


@register_hparams
def transformer_relative_tiny() -> HParams:
    return _relative(transformer_tiny())


@register_hparams
def transformer_relative_big() -> HParams:
    return _relative(transformer_big())


def _vision_transformer(
    hidden_size: int, filter_size: int, num_heads: int, num_layers: int
) -> HParams:
    """The Vision Transformer's hparams over `transformer_base`'s (Dosovitskiy et al.
    2021): 224x224 RGB images in 16x16 patches, a class token, learned position
    embeddings (T2T's `pos="emb"`), GELU feed-forward; `batch_size` counts images."""
    hparams = _resized(hidden_size, filter_size, num_heads, num_layers)
    hparams.pos = "emb"
    hparams.add("image_size", 224)
    hparams.add("num_channels", 3)
    hparams.add("patch_size", 16)
    # "class_token" pools the class token's output; "mean" averages every position.
    hparams.add("pooling", "class_token")
    # "gelu" (ViT's) or "relu" (T2T's dense_relu_dense).
    hparams.add("ffn_activation", "gelu")
    # Training batches: "none"; "crop" (random crops of the image padded by 1/8 of its
    # side: shifts); "flip_crop" (random horizontal flips too).
    hparams.add("image_augmentation", "none")
    hparams.batch_size = 1024
    hparams.label_smoothing = 0.0
    hparams.layer_prepostprocess_dropout = 0.0
    hparams.attention_dropout = 0.0
    hparams.relu_dropout = 0.0
    hparams.optimizer_adam_beta2 = 0.999
    hparams.optimizer_adam_epsilon = 1e-8
    hparams.clip_grad_norm = 1.0
    hparams.learning_rate_schedule = "constant*linear_warmup*cosdecay"
    hparams.learning_rate_constant = 1e-3
    hparams.learning_rate_warmup_steps = 10_000
    hparams.learning_rate_decay_steps = 300_000
    return hparams


@register_hparams
def vit_ti16() -> HParams:
    """DeiT-Ti / Steiner et al.'s ViT-Ti/16."""
    return _vision_transformer(192, 768, 3, 12)


@register_hparams
def vit_s16() -> HParams:
    """DeiT-S / Steiner et al.'s ViT-S/16."""
    return _vision_transformer(384, 1536, 6, 12)


@register_hparams
def vit_b16() -> HParams:
    """ViT-B/16 (Dosovitskiy et al. 2021)."""
    return _vision_transformer(768, 3072, 12, 12)


@register_hparams
def vit_l16() -> HParams:
    """ViT-L/16 (Dosovitskiy et al. 2021)."""
    return _vision_transformer(1024, 4096, 16, 24)


@register_hparams
def vit_tiny() -> HParams:
    """A ViT for small images on a CPU: 32x32 images in 4x4 patches, 4 layers of 128."""
    hparams = _vision_transformer(128, 256, 4, 4)
    hparams.image_size = 32
    hparams.patch_size = 4
    hparams.batch_size = 128
    hparams.layer_prepostprocess_dropout = 0.1
    hparams.learning_rate_warmup_steps = 200
    hparams.learning_rate_decay_steps = 3000
    return hparams
