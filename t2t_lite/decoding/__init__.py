"""Decoding: cached greedy search (with samplers) and beam search over any registered
model, T2T's decode hparams, batched decoding of id sequences and text lines, and the
classes a classifier gives images or texts."""

from t2t_lite.utils.backend import require_tensorflow_backend

require_tensorflow_backend("t2t_lite.decoding")

from t2t_lite.decoding.batch_decoding import (
    IdDecoder,
    ProgressLog,
    cut_at_eos,
    decode_lines,
    decode_sequences,
    encode_lines,
)
from t2t_lite.decoding.beam_search import BeamSearch, beam_search, gather_beams, length_penalty
from t2t_lite.decoding.classification import classify, classify_dev_split, classify_lines
from t2t_lite.decoding.decode_hparams import decode_hparams, default_decode_hparams
from t2t_lite.decoding.dev_split import DevDecodeReport, decode_dev_split, decode_dev_texts
from t2t_lite.decoding.ensemble import Ensemble
from t2t_lite.decoding.greedy_search import GreedySearch, greedy_search
from t2t_lite.decoding.image_generation import (
    contact_sheet,
    generate_images,
    image_search,
    write_images,
)
from t2t_lite.decoding.input_ids import fit, fit_prompt, terminate, tf_fit_prompt, tf_terminate
from t2t_lite.decoding.model_decode import cached_step_fn, decode_ids, uncached_step_fn
from t2t_lite.decoding.sampling import (
    SAMPLING_METHODS,
    ArgmaxSampler,
    RandomSampler,
    Sampler,
    check_sampling,
    combine_keys,
    content_keys,
    sampler_from_decode_hparams,
)
from t2t_lite.decoding.scoring import SCORE_MODES, PairScorer, score_lines
from t2t_lite.decoding.strategy import (
    DecodingStrategy,
    list_strategies,
    register_strategy,
    strategy_from_decode_hparams,
)

__all__ = [
    "SAMPLING_METHODS",
    "SCORE_MODES",
    "PairScorer",
    "score_lines",
    "ArgmaxSampler",
    "BeamSearch",
    "DecodingStrategy",
    "DevDecodeReport",
    "Ensemble",
    "GreedySearch",
    "IdDecoder",
    "ProgressLog",
    "RandomSampler",
    "Sampler",
    "check_sampling",
    "classify",
    "classify_dev_split",
    "classify_lines",
    "contact_sheet",
    "generate_images",
    "image_search",
    "write_images",
    "combine_keys",
    "content_keys",
    "fit",
    "fit_prompt",
    "tf_fit_prompt",
    "decode_lines",
    "sampler_from_decode_hparams",
    "beam_search",
    "cached_step_fn",
    "cut_at_eos",
    "decode_dev_split",
    "decode_dev_texts",
    "decode_hparams",
    "decode_ids",
    "decode_sequences",
    "default_decode_hparams",
    "encode_lines",
    "gather_beams",
    "greedy_search",
    "length_penalty",
    "list_strategies",
    "register_strategy",
    "strategy_from_decode_hparams",
    "terminate",
    "tf_terminate",
    "uncached_step_fn",
]
