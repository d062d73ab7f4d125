"""Model dimensions shared by t2t_lite and its peers in the benchmarks."""

import dataclasses


@dataclasses.dataclass(frozen=True)
class TransformerDims:
    """What every implementation is built with: pre-norm encoder-decoder, a source
    embedding, a target embedding tied to the softmax, sinusoidal positions."""

    vocab_size: int
    hidden_size: int
    filter_size: int
    num_heads: int
    num_layers: int
    dropout: float
    label_smoothing: float

    @classmethod
    def from_hparams(cls, hparams, vocab_size: int) -> "TransformerDims":
        return cls(
            vocab_size=vocab_size,
            hidden_size=hparams.hidden_size,
            filter_size=hparams.filter_size,
            num_heads=hparams.num_heads,
            num_layers=hparams.num_hidden_layers,
            dropout=hparams.layer_prepostprocess_dropout,
            label_smoothing=hparams.label_smoothing,
        )

    def train_flops(self, batch: int, input_length: int, target_length: int) -> float:
        """Matmul FLOPs of one train step (forward + backward = 3x forward) on a padded
        `[batch, input_length]` / `[batch, target_length]` batch."""
        d, f, s, t = self.hidden_size, self.filter_size, input_length, target_length
        encoder_layer = 2 * s * (4 * d * d + 2 * d * f) + 4 * s * s * d
        decoder_layer = (
            2 * t * (4 * d * d + 2 * d * f)  # self-attention projections, feed-forward
            + 4 * t * t * d  # self-attention scores and weighted values
            + 2 * t * 2 * d * d
            + 2 * s * 2 * d * d  # cross-attention q, o and k, v
            + 4 * t * s * d  # cross-attention scores and weighted values
        )
        logits = 2 * t * d * self.vocab_size
        forward = batch * (self.num_layers * (encoder_layer + decoder_layer) + logits)
        return 3.0 * forward
