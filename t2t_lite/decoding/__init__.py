"""Decoding: cached greedy and beam search, T2T's decode hparams, and batched decoding
of id sequences and text lines."""

from t2t_lite.utils.backend import require_tensorflow_backend

require_tensorflow_backend("t2t_lite.decoding")

from t2t_lite.decoding.batch_decoding import (
    IdDecoder,
    ProgressLog,
    cut_at_eos,
    decode_sequences,
    encode_lines,
    translate_lines,
)
from t2t_lite.decoding.beam_search import beam_search, gather_beams, length_penalty
from t2t_lite.decoding.decode_hparams import decode_hparams, default_decode_hparams
from t2t_lite.decoding.greedy_search import greedy_search
from t2t_lite.decoding.trained_run import TrainedRun, open_trained_run
from t2t_lite.decoding.transformer_search import cached_step_fn, decode_ids, uncached_step_fn

__all__ = [
    "IdDecoder",
    "ProgressLog",
    "TrainedRun",
    "cut_at_eos",
    "decode_sequences",
    "encode_lines",
    "translate_lines",
    "beam_search",
    "cached_step_fn",
    "decode_hparams",
    "decode_ids",
    "default_decode_hparams",
    "gather_beams",
    "greedy_search",
    "length_penalty",
    "open_trained_run",
    "uncached_step_fn",
]
