"""Plain Keras 3 layers of T2T's Transformer; they know nothing of models, data or training.

Written with `keras.ops`, they run on every Keras 3 backend (TensorFlow, JAX, PyTorch).
"""

from t2t_lite.layers.attention_bias import (
    causal_bias,
    causal_bias_rows,
    large_negative_number,
    padding_bias,
)
from t2t_lite.layers.attention_spec import AttentionSpec
from t2t_lite.layers.class_token import ClassToken
from t2t_lite.layers.decoder_layer import DecoderLayer
from t2t_lite.layers.encoder_layer import EncoderLayer
from t2t_lite.layers.feed_forward import FeedForward
from t2t_lite.layers.multi_head_attention import MultiHeadAttention
from t2t_lite.layers.patch_embedding import PatchEmbedding
from t2t_lite.layers.position_embedding import PositionEmbedding
from t2t_lite.layers.timing_signal import (
    AddTimingSignal,
    add_timing_signal_1d,
    get_timing_signal_1d,
)
from t2t_lite.layers.token_embedding import TokenEmbedding
from t2t_lite.layers.transformer_decoder import TransformerDecoder
from t2t_lite.layers.transformer_encoder import TransformerEncoder

__all__ = [
    "AddTimingSignal",
    "AttentionSpec",
    "ClassToken",
    "DecoderLayer",
    "EncoderLayer",
    "FeedForward",
    "MultiHeadAttention",
    "PatchEmbedding",
    "PositionEmbedding",
    "TokenEmbedding",
    "TransformerDecoder",
    "TransformerEncoder",
    "add_timing_signal_1d",
    "causal_bias",
    "causal_bias_rows",
    "get_timing_signal_1d",
    "large_negative_number",
    "padding_bias",
]
