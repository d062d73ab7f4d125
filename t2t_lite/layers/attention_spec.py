"""The settings every attention layer of a model shares, as one object."""

import dataclasses

from t2t_lite.errors import HParamsError

# T2T's `self_attention_type` values that t2t_lite computes.
SELF_ATTENTION_TYPES = ("dot_product", "dot_product_relative")


@dataclasses.dataclass(frozen=True)
class AttentionSpec:
    """How a model's attention layers attend; passed whole from the model to each
    `MultiHeadAttention`, so that a new attention variant adds a field here and an
    argument there, and nothing in between changes.

    The field names are `MultiHeadAttention`'s argument names.

    Args:
      num_heads: attention heads.
      key_depth: total depth of queries and keys over all heads (T2T's
        `attention_key_channels`); None means the input depth.
      value_depth: total depth of values over all heads (T2T's
        `attention_value_channels`); None means the input depth.
      dropout: dropout on the attention weights (T2T's `attention_dropout`).
      max_relative_position: None for dot-product attention; a positive int for
        relative position representations in self-attention (T2T's
        `self_attention_type="dot_product_relative"` and its `max_relative_position`).
    """

    num_heads: int = 8
    key_depth: int | None = None
    value_depth: int | None = None
    dropout: float = 0.0
    max_relative_position: int | None = None

    @classmethod
    def from_hparams(cls, hparams) -> "AttentionSpec":
        """The spec T2T's hparams describe (`num_heads`, `attention_key_channels`,
        `attention_value_channels`, `attention_dropout`, `self_attention_type`,
        `max_relative_position`); absent channels mean 0, an absent type dot_product.

        Raises `HParamsError` naming the hparam for another attention type, or for
        relative attention with `max_relative_position` <= 0 (T2T raises too) or with
        key and value depths per head that differ."""
        kind = _get(hparams, "self_attention_type", "dot_product")
        if kind not in SELF_ATTENTION_TYPES:
            raise HParamsError(
                f"hparams.self_attention_type={kind!r} is not supported; use "
                + " or ".join(SELF_ATTENTION_TYPES)
            )
        max_relative_position = None
        if kind == "dot_product_relative":
            max_relative_position = _get(hparams, "max_relative_position", 0)
            if max_relative_position <= 0:
                raise HParamsError(
                    f"hparams.max_relative_position={max_relative_position}: "
                    "self_attention_type=dot_product_relative needs a maximum distance > 0"
                )
        key_depth = _get(hparams, "attention_key_channels", 0) or None
        value_depth = _get(hparams, "attention_value_channels", 0) or None
        if max_relative_position and (key_depth or hparams.hidden_size) != (
            value_depth or hparams.hidden_size
        ):
            raise HParamsError(
                f"hparams.attention_key_channels={key_depth or 0} and attention_value_channels="
                f"{value_depth or 0} differ: dot_product_relative adds key-depth tables to the "
                "values, so both need the same depth (0 means hidden_size)"
            )
        return cls(
            num_heads=hparams.num_heads,
            key_depth=key_depth,
            value_depth=value_depth,
            dropout=hparams.attention_dropout,
            max_relative_position=max_relative_position,
        )

    @classmethod
    def coerce(cls, spec: "AttentionSpec | dict") -> "AttentionSpec":
        """`spec` itself, or the spec a `get_config()` dict describes."""
        if isinstance(spec, cls):
            return spec
        if isinstance(spec, dict):
            return cls(**spec)
        raise TypeError(f"attention must be an AttentionSpec or its config dict, got {spec!r}")

    def get_config(self) -> dict:
        return dataclasses.asdict(self)


def _get(hparams, name: str, default):
    """An hparam that runs written before it existed lack."""
    return getattr(hparams, name) if name in hparams else default
