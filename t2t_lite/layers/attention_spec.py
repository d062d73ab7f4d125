"""The settings every attention layer of a model shares, as one object."""

import dataclasses


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
    """

    num_heads: int = 8
    key_depth: int | None = None
    value_depth: int | None = None
    dropout: float = 0.0

    @classmethod
    def from_hparams(cls, hparams) -> "AttentionSpec":
        """The spec T2T's hparams describe (`num_heads`, `attention_key_channels`,
        `attention_value_channels`, `attention_dropout`); absent channels mean 0."""
        return cls(
            num_heads=hparams.num_heads,
            key_depth=_channels(hparams, "attention_key_channels"),
            value_depth=_channels(hparams, "attention_value_channels"),
            dropout=hparams.attention_dropout,
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


def _channels(hparams, name: str) -> int | None:
    """T2T's channel hparams: 0 (or absent) means the input depth."""
    return (getattr(hparams, name) if name in hparams else 0) or None
