"""The encoder-decoder Transformer of T2T's `transformer` model, as a `keras.Model`."""

from typing import TYPE_CHECKING

import keras
from keras import ops

from t2t_lite.ids import PAD_ID
from t2t_lite.layers import (
    AddTimingSignal,
    AttentionSpec,
    TokenEmbedding,
    TransformerDecoder,
    TransformerEncoder,
    padding_bias,
)
from t2t_lite.models.model_interface import (
    SOURCE_SENTENCE,
    FeatureSpec,
    T2TModel,
    repeat_rows,
)
from t2t_lite.models.registry import register_model
from t2t_lite.models.transformer_family import (
    family_config,
    family_kwargs_from_hparams,
    has_inputs,
    shift_right,
)

# Rows of T2T's target space embedding table (`SpaceID`s).
NUM_TARGET_SPACES = 32

if TYPE_CHECKING:  # hparams.py reads files through TensorFlow; the model runs without it
    from t2t_lite.hparams import HParams


@register_model("transformer")
@keras.saving.register_keras_serializable(package="t2t_lite")
class Transformer(T2TModel):
    """T2T's Transformer over integer ids (0 = pad, 1 = EOS).

    Registered as `--model=transformer`; on a problem without inputs that name builds
    `DecoderOnlyTransformer` instead (T2T's rule).

    Call arguments:
      features: `{"inputs": [batch, length_in], "targets": [batch, length_out]}` int ids.
        The targets are shifted right inside the model (teacher forcing).
      training: whether dropout is active.

    Returns:
      float32 logits `[batch, length_out, target_vocab_size]`; position t predicts
      `targets[:, t]` from `targets[:, :t]` and the inputs.

    Args:
      input_vocab_size, target_vocab_size: vocabulary sizes (pad and EOS included).
      hidden_size, filter_size: layer widths.
      attention: an `AttentionSpec` (or its config dict) for every attention layer;
        default 8 heads and attention dropout 0.1.
      num_encoder_layers, num_decoder_layers: stack depths.
      relu_dropout, layer_prepostprocess_dropout: T2T's dropouts (the last also
        applies to the embedded inputs and targets).
      norm_epsilon: LayerNormalization epsilon.
      shared_embedding_and_softmax_weights: the target embedding is also the softmax.
      shared_embedding: inputs and targets share one embedding (same vocab size).
      kernel_initializer: initializer of attention and feed-forward kernels.
      scale_embeddings: multiply embeddings by `sqrt(hidden_size)` (T2T's
        `multiply_embedding_mode="sqrt_depth"`).
      target_space_id: if not None, T2T's target space embedding: row `target_space_id`
        of a `[32, hidden_size]` table is added to every embedded input position (T2T's
        `use_target_space_embedding`, one id for the whole model).
      use_timing_signal: add T2T's sinusoidal timing signal to the embedded inputs and
        targets (T2T's `pos="timing"`); False adds no position signal (`pos=None`), for
        relative attention.
    """

    def __init__(
        self,
        input_vocab_size: int,
        target_vocab_size: int,
        hidden_size: int = 512,
        filter_size: int = 2048,
        attention: AttentionSpec | dict | None = None,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        relu_dropout: float = 0.1,
        layer_prepostprocess_dropout: float = 0.1,
        norm_epsilon: float = 1e-6,
        shared_embedding_and_softmax_weights: bool = True,
        shared_embedding: bool = False,
        kernel_initializer="glorot_uniform",
        scale_embeddings: bool = True,
        target_space_id: int | None = None,
        use_timing_signal: bool = True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if target_space_id is not None and not 0 <= target_space_id < NUM_TARGET_SPACES:
            raise ValueError(
                f"target_space_id={target_space_id} is outside 0..{NUM_TARGET_SPACES - 1}"
            )
        if shared_embedding and input_vocab_size != target_vocab_size:
            raise ValueError(
                "shared_embedding needs equal vocab sizes, got "
                f"input_vocab_size={input_vocab_size}, target_vocab_size={target_vocab_size}"
            )
        self.input_vocab_size = input_vocab_size
        self.target_vocab_size = target_vocab_size
        self.hidden_size = hidden_size
        self.filter_size = filter_size
        self.attention = AttentionSpec.coerce(attention or AttentionSpec(num_heads=8, dropout=0.1))
        self.num_encoder_layers = num_encoder_layers
        self.num_decoder_layers = num_decoder_layers
        self.relu_dropout = relu_dropout
        self.layer_prepostprocess_dropout = layer_prepostprocess_dropout
        self.norm_epsilon = norm_epsilon
        self.shared_embedding_and_softmax_weights = shared_embedding_and_softmax_weights
        self.shared_embedding = shared_embedding
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.scale_embeddings = scale_embeddings
        self.target_space_id = target_space_id
        self.use_timing_signal = use_timing_signal

        policy = self.dtype_policy
        embedding_kwargs = dict(scale_by_sqrt_depth=scale_embeddings, dtype=policy)
        self.input_embedding = TokenEmbedding(
            input_vocab_size, hidden_size, name="input_embedding", **embedding_kwargs
        )
        if shared_embedding:
            self.target_embedding = self.input_embedding
        else:
            self.target_embedding = TokenEmbedding(
                target_vocab_size, hidden_size, name="target_embedding", **embedding_kwargs
            )
        if shared_embedding_and_softmax_weights:
            self.softmax = self.target_embedding
        else:
            self.softmax = TokenEmbedding(
                target_vocab_size, hidden_size, name="softmax", **embedding_kwargs
            )
        self.target_space_embedding = None
        if target_space_id is not None:
            self.target_space_embedding = keras.layers.Embedding(
                NUM_TARGET_SPACES,
                hidden_size,
                embeddings_initializer=keras.initializers.RandomNormal(stddev=hidden_size**-0.5),
                dtype=policy,
                name="target_space_embedding",
            )
        self.timing_signal = AddTimingSignal(dtype=policy, name="timing_signal")
        self.embedding_dropout = keras.layers.Dropout(layer_prepostprocess_dropout, dtype=policy)
        stack_kwargs = dict(
            attention=self.attention,
            filter_size=filter_size,
            relu_dropout=relu_dropout,
            dropout=layer_prepostprocess_dropout,
            norm_epsilon=norm_epsilon,
            kernel_initializer=self.kernel_initializer,
            dtype=policy,
        )
        self.encoder = TransformerEncoder(num_encoder_layers, name="encoder", **stack_kwargs)
        self.decoder = TransformerDecoder(num_decoder_layers, name="decoder", **stack_kwargs)

    @classmethod
    def from_hparams(
        cls, hparams: "HParams", input_vocab_size: int, target_vocab_size: int, **kwargs
    ) -> "Transformer":
        """Builds the model T2T's `transformer` would build from `hparams`."""
        return cls(
            input_vocab_size=input_vocab_size,
            target_vocab_size=target_vocab_size,
            num_encoder_layers=hparams.num_encoder_layers or hparams.num_hidden_layers,
            num_decoder_layers=hparams.num_decoder_layers or hparams.num_hidden_layers,
            shared_embedding=hparams.shared_embedding,
            target_space_id=(
                hparams.target_space_id if hparams.use_target_space_embedding else None
            ),
            **family_kwargs_from_hparams(hparams),
            **kwargs,
        )

    @classmethod
    def feature_spec(cls, hparams: "HParams") -> dict[str, FeatureSpec]:
        if not has_inputs(hparams):
            return {"targets": FeatureSpec(vocabulary="targets")}
        return {
            "inputs": FeatureSpec(vocabulary="inputs"),
            "targets": FeatureSpec(vocabulary="targets"),
        }

    @classmethod
    def from_run_hparams(cls, hparams: "HParams", **kwargs) -> T2TModel:
        if not has_inputs(hparams):
            from t2t_lite.models.decoder_only import DecoderOnlyTransformer

            return DecoderOnlyTransformer.from_hparams(hparams, hparams.target_vocab_size, **kwargs)
        return cls.from_hparams(
            hparams, hparams.input_vocab_size, hparams.target_vocab_size, **kwargs
        )

    def build(self, input_shape=None):
        # Weights depend on vocab sizes and widths only, never on sequence lengths, so the
        # model builds the same from any input shape (and from a saved build config).
        hidden_shape = (None, None, self.hidden_size)
        for embedding in (self.input_embedding, self.target_embedding, self.softmax):
            if not embedding.built:  # shared embeddings appear more than once
                embedding.build()
        if self.target_space_embedding is not None:
            self.target_space_embedding.build((1,))
        if not self.encoder.built:  # calling `encode` first builds the encoder alone
            self.encoder.build(hidden_shape)
        if not self.decoder.built:
            self.decoder.build(hidden_shape, hidden_shape)
        self.built = True

    def _add_position(self, x, start_index=0):
        if not self.use_timing_signal:
            return x
        return self.timing_signal(x, start_index=start_index)

    def _embed(self, embedding, ids, start_index=0, training=None):
        x = self._add_position(embedding(ids), start_index=start_index)
        return self.embedding_dropout(x, training=training)

    def _embed_inputs(self, inputs, training=None):
        x = self.input_embedding(inputs)
        if self.target_space_embedding is not None:
            # As T2T: added everywhere, padding included (attention masks padding anyway).
            space = ops.take(self.target_space_embedding.embeddings, self.target_space_id, axis=0)
            x += ops.cast(space, x.dtype)
        x = self._add_position(x)
        return self.embedding_dropout(x, training=training)

    def encode(self, inputs, training=None) -> tuple:
        """`inputs` `[batch, length_in]` ids -> `(encoder_output, memory_bias)`.

        `memory_bias` `[batch, 1, 1, length_in]` masks the input padding in the
        encoder-decoder attention.
        """
        bias = padding_bias(inputs, PAD_ID)
        x = self._embed_inputs(inputs, training=training)
        return self.encoder(x, bias=bias, training=training), bias

    def decode(self, decoder_input_ids, encoder_output, memory_bias, training=None):
        """Logits for already right-shifted target ids `[batch, length_out]`."""
        x = self._embed(self.target_embedding, decoder_input_ids, training=training)
        x = self.decoder(x, memory=encoder_output, memory_bias=memory_bias, training=training)
        return ops.cast(self.softmax(x, reverse=True), "float32")

    # Step-by-step decoding. Two opaque structures, owned by this model and its decoder
    # layers: the memory is fixed for a whole decode, the cache changes at every step
    # (and is what a beam search reorders).

    def decode_memory(self, encoder_output, memory_bias) -> dict:
        """What every `decode_step` reads and none changes: each layer's encoder-decoder
        keys/values of `encoder_output`, and `memory_bias`, both from `encode`."""
        if not self.built:  # the decoder's weights exist once built (`encode` built the encoder)
            self.build()
        return {"keys_values": self.decoder.memory_cache(encoder_output), "bias": memory_bias}

    def init_decode_cache(self, batch_size, max_length: int) -> list:
        """The empty self-attention cache for `decode_step` up to `max_length` positions."""
        if not self.built:
            self.build()
        return self.decoder.init_cache(batch_size, max_length)

    decode_input = SOURCE_SENTENCE

    def begin_decode(self, source_ids, extra_length: int, rows_per_input: int = 1) -> tuple:
        """Encodes `source_ids` once; the search writes at most `length + extra_length` ids."""
        encoder_output, memory_bias = self.encode(source_ids, training=False)
        encoder_output, memory_bias = repeat_rows((encoder_output, memory_bias), rows_per_input)
        decode_length = ops.shape(source_ids)[1] + extra_length
        memory = self.decode_memory(encoder_output, memory_bias)
        cache = self.init_decode_cache(ops.shape(encoder_output)[0], decode_length)
        return memory, cache, decode_length

    def decode_step(self, ids, step, cache: list, memory: dict) -> tuple:
        """One decoding step with the key/value cache.

        Args:
          ids: `[batch, 1]` id fed at position `step` (pad id 0 at step 0, as the shift
            right gives).
          step: scalar int position.
          cache: from `init_decode_cache` or the previous step.
          memory: from `decode_memory`.

        Returns:
          `(logits [batch, target_vocab_size] float32, updated cache)`.
        """
        x = self._add_position(self.target_embedding(ids), start_index=step)
        x, cache = self.decoder(
            x,
            memory_bias=memory["bias"],
            cache=cache,
            memory_cache=memory["keys_values"],
            decode_index=step,
        )
        logits = ops.cast(self.softmax(x, reverse=True), "float32")
        return logits[:, 0, :], cache

    def call(self, features, training=None):
        targets = features["targets"]
        encoder_output, memory_bias = self.encode(features["inputs"], training=training)
        decoder_input_ids = shift_right(targets)
        return self.decode(decoder_input_ids, encoder_output, memory_bias, training=training)

    def get_config(self):
        return family_config(
            self,
            "input_vocab_size",
            "target_vocab_size",
            "num_encoder_layers",
            "num_decoder_layers",
            "shared_embedding",
            "target_space_id",
        )
