"""The benchmark Transformer in PyTorch: `torch.nn.Transformer` (pre-norm, batch first),
a source embedding, a target embedding tied to the softmax, sinusoidal positions,
`cross_entropy` with label smoothing and Adam, in eager mode on the CPU."""

import math

import numpy as np
import torch
import torch.nn.functional as F

from bench.peers.dims import TransformerDims


def sinusoid(length: int, depth: int) -> torch.Tensor:
    position = torch.arange(length, dtype=torch.float32)[:, None]
    rates = torch.exp(
        -math.log(10_000.0) * torch.arange(depth // 2, dtype=torch.float32) / (depth // 2 - 1)
    )
    return torch.cat([torch.sin(position * rates), torch.cos(position * rates)], dim=1)


class TorchTransformer(torch.nn.Module):
    def __init__(self, dims: TransformerDims, max_length: int = 512):
        super().__init__()
        self.dims = dims
        d = dims.hidden_size
        self.source_embedding = torch.nn.Embedding(dims.vocab_size, d, padding_idx=0)
        self.target_embedding = torch.nn.Embedding(dims.vocab_size, d, padding_idx=0)
        self.register_buffer("timing", sinusoid(max_length, d))
        self.transformer = torch.nn.Transformer(
            d_model=d,
            nhead=dims.num_heads,
            num_encoder_layers=dims.num_layers,
            num_decoder_layers=dims.num_layers,
            dim_feedforward=dims.filter_size,
            dropout=dims.dropout,
            batch_first=True,
            norm_first=True,
        )
        self.dropout = torch.nn.Dropout(dims.dropout)

    def _embed(self, embedding, ids):
        x = embedding(ids) * self.dims.hidden_size**0.5
        return self.dropout(x + self.timing[: ids.shape[1]])

    def forward(self, inputs, targets):
        decoder_inputs = F.pad(targets[:, :-1], (1, 0))
        source_pad = inputs.eq(0)
        causal = torch.nn.Transformer.generate_square_subsequent_mask(targets.shape[1])
        hidden = self.transformer(
            self._embed(self.source_embedding, inputs),
            self._embed(self.target_embedding, decoder_inputs),
            tgt_mask=causal,
            src_key_padding_mask=source_pad,
            memory_key_padding_mask=source_pad,
            tgt_is_causal=True,
        )
        return F.linear(hidden, self.target_embedding.weight)


class TorchTrainer:
    """`step(inputs, targets)` -> loss (a torch scalar): one Adam update."""

    name = "torch"

    def __init__(self, dims: TransformerDims):
        torch.manual_seed(0)
        self.model = TorchTransformer(dims).train()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-4)
        self.dims = dims

    def step(self, inputs: np.ndarray, targets: np.ndarray):
        inputs, targets = torch.from_numpy(inputs), torch.from_numpy(targets)
        logits = self.model(inputs, targets)
        loss = F.cross_entropy(
            logits.reshape(-1, self.dims.vocab_size),
            targets.reshape(-1),
            ignore_index=0,
            label_smoothing=self.dims.label_smoothing,
        )
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return loss

    @staticmethod
    def sync(loss) -> float:
        return float(loss.item())
