"""The decoder-only Transformer: what T2T's `transformer` builds for a problem without
inputs (a language model), and the structure of DALL-E's text-to-image model."""

from typing import TYPE_CHECKING

import keras
from keras import ops

from t2t_lite.ids import PAD_ID
from t2t_lite.layers import (
    AddTimingSignal,
    AttentionSpec,
    TokenEmbedding,
    TransformerDecoder,
    large_negative_number,
)
from t2t_lite.models.model_interface import PROMPT, FeatureSpec, T2TModel, repeat_rows
from t2t_lite.models.transformer_family import (
    family_config,
    family_kwargs_from_hparams,
    shift_right,
)

if TYPE_CHECKING:
    from t2t_lite.hparams import HParams


# DALL-E's structure, from the problem through the run's hparams (0: a plain LM).
IMAGE_SETTINGS = ("image_start_id", "image_vocab_start", "image_vocab_size", "image_loss_share")


@keras.saving.register_keras_serializable(package="t2t_lite")
class DecoderOnlyTransformer(T2TModel):
    """A stack of causal self-attention decoder layers (no encoder-decoder attention)
    over integer ids (0 = pad, 1 = EOS), as T2T's `transformer` on a problem without
    inputs: the targets are shifted right, so position 0 sees only the pad id.

    Call arguments:
      features: `{"targets": [batch, length]}` int ids.
      training: whether dropout is active.

    Returns:
      float32 logits `[batch, length, vocab_size]`; position t predicts `targets[:, t]`
      from `targets[:, :t]`.

    Decoding continues prompts: `begin_decode` takes prompts `[batch, length]` (0-padded
    on the right, no EOS; an all-pad row is unconditional), left-aligns them to a common
    end and runs them through the stack in one pass into the key/value cache; each
    `decode_step` then adds one position. Rows keep their own positions (the timing
    signal starts at minus their left padding, which attention masks), so a prompt
    decodes the same alone or batched with longer ones.

    Args:
      vocab_size: vocabulary size (pad and EOS included).
      hidden_size, filter_size: layer widths.
      attention: an `AttentionSpec` (or its config dict) for every self-attention layer.
      num_layers: decoder layers.
      relu_dropout, layer_prepostprocess_dropout: T2T's dropouts (the last also
        applies to the embedded targets).
      norm_epsilon: LayerNormalization epsilon.
      shared_embedding_and_softmax_weights: the embedding is also the softmax.
      kernel_initializer: initializer of attention and feed-forward kernels.
      scale_embeddings: multiply embeddings by `sqrt(hidden_size)`.
      use_timing_signal: add T2T's sinusoidal timing signal (`pos="timing"`).
      image_start_id, image_vocab_start, image_vocab_size, image_loss_share: DALL-E's
        structure (0: none): a caption, then `image_start_id`, then image ids
        `image_vocab_start .. image_vocab_start + image_vocab_size - 1`. The loss gives
        the positions after `image_start_id` the share `image_loss_share` (DALL-E: 7/8)
        and the caption's the rest, each normalised by its count in the batch (per
        replica under a multi-replica strategy: docs/models.md); a
        prompt holding `image_start_id` samples image ids only.
    """

    decode_input = PROMPT

    def __init__(
        self,
        vocab_size: int,
        hidden_size: int = 512,
        filter_size: int = 2048,
        attention: AttentionSpec | dict | None = None,
        num_layers: int = 6,
        relu_dropout: float = 0.1,
        layer_prepostprocess_dropout: float = 0.1,
        norm_epsilon: float = 1e-6,
        shared_embedding_and_softmax_weights: bool = True,
        kernel_initializer="glorot_uniform",
        scale_embeddings: bool = True,
        use_timing_signal: bool = True,
        image_start_id: int = 0,
        image_vocab_start: int = 0,
        image_vocab_size: int = 0,
        image_loss_share: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.image_start_id = image_start_id
        self.image_vocab_start = image_vocab_start
        self.image_vocab_size = image_vocab_size
        self.image_loss_share = image_loss_share
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.filter_size = filter_size
        self.attention = AttentionSpec.coerce(attention or AttentionSpec(num_heads=8, dropout=0.1))
        self.num_layers = num_layers
        self.relu_dropout = relu_dropout
        self.layer_prepostprocess_dropout = layer_prepostprocess_dropout
        self.norm_epsilon = norm_epsilon
        self.shared_embedding_and_softmax_weights = shared_embedding_and_softmax_weights
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.scale_embeddings = scale_embeddings
        self.use_timing_signal = use_timing_signal

        policy = self.dtype_policy
        embedding_kwargs = dict(scale_by_sqrt_depth=scale_embeddings, dtype=policy)
        self.target_embedding = TokenEmbedding(
            vocab_size, hidden_size, name="target_embedding", **embedding_kwargs
        )
        self.softmax = self.target_embedding
        if not shared_embedding_and_softmax_weights:
            self.softmax = TokenEmbedding(
                vocab_size, hidden_size, name="softmax", **embedding_kwargs
            )
        self.timing_signal = AddTimingSignal(dtype=policy, name="timing_signal")
        self.embedding_dropout = keras.layers.Dropout(layer_prepostprocess_dropout, dtype=policy)
        self.decoder = TransformerDecoder(
            num_layers,
            attention=self.attention,
            filter_size=filter_size,
            relu_dropout=relu_dropout,
            dropout=layer_prepostprocess_dropout,
            norm_epsilon=norm_epsilon,
            kernel_initializer=self.kernel_initializer,
            memory_attention=False,
            dtype=policy,
            name="decoder",
        )

    @classmethod
    def from_hparams(
        cls, hparams: "HParams", vocab_size: int, **kwargs
    ) -> "DecoderOnlyTransformer":
        """The decoder-only model T2T's `transformer` builds from `hparams` without inputs."""
        image = {name: getattr(hparams, name) for name in IMAGE_SETTINGS if name in hparams}
        return cls(
            vocab_size=vocab_size,
            num_layers=hparams.num_decoder_layers or hparams.num_hidden_layers,
            **family_kwargs_from_hparams(hparams),
            **image,
            **kwargs,
        )

    @classmethod
    def feature_spec(cls, hparams: "HParams") -> dict[str, FeatureSpec]:
        return {"targets": FeatureSpec(vocabulary="targets")}

    @classmethod
    def from_run_hparams(cls, hparams: "HParams", **kwargs) -> "DecoderOnlyTransformer":
        return cls.from_hparams(hparams, hparams.target_vocab_size, **kwargs)

    def build(self, input_shape=None):
        for embedding in (self.target_embedding, self.softmax):
            if not embedding.built:
                embedding.build()
        if not self.decoder.built:
            self.decoder.build((None, None, self.hidden_size))
        self.built = True

    def _embed(self, ids, start_index=0, training=None):
        x = self.target_embedding(ids)
        if self.use_timing_signal:
            x = self.timing_signal(x, start_index=start_index)
        return self.embedding_dropout(x, training=training)

    def _logits(self, x):
        return ops.cast(self.softmax(x, reverse=True), "float32")

    def call(self, features, training=None):
        x = self._embed(shift_right(features["targets"]), training=training)
        return self._logits(self.decoder(x, training=training))

    def loss_labels(self, features: dict) -> tuple:
        labels, weights = super().loss_labels(features)
        if not self.image_start_id:
            return labels, weights
        starts = ops.cast(ops.equal(labels, self.image_start_id), "float32")
        image = ops.cast(ops.cumsum(starts, axis=1) - starts > 0, "float32") * weights
        caption = weights - image
        share = self.image_loss_share
        return labels, (
            (1.0 - share) * caption / ops.maximum(ops.sum(caption), 1.0)
            + share * image / ops.maximum(ops.sum(image), 1.0)
        )

    def _only_image_ids(self, logits, image_rows):
        """Logits of rows generating an image, with every id but the image ids hidden."""
        ids = ops.arange(self.vocab_size)
        image_id = (ids >= self.image_vocab_start) & (
            ids < self.image_vocab_start + self.image_vocab_size
        )
        hidden = image_rows[:, None] & ~image_id[None, :]
        return ops.where(hidden, large_negative_number(), logits)

    # -- decoding ----------------------------------------------------------------------

    def begin_decode(self, source_ids, extra_length: int, rows_per_input: int = 1) -> tuple:
        """Prefills prompts `source_ids` in one pass; the search writes at most
        `extra_length` ids after each prompt.

        Row b, with n_b prompt ids p, feeds the decoder `[pad, p_0 .. p_{n_b-1}]`. The
        first n_b of those go into cache slots `P - n_b .. P - 1` (P: the longest
        prompt, at least 1); the last, `p_{n_b-1}` (the pad id for an empty prompt),
        is fed by the search's first step at slot P. Slots before a row's prompt are
        masked in every later step.
        """
        if not self.built:
            self.build()
        prompts = ops.cast(source_ids, "int32")
        batch_size = ops.shape(prompts)[0]
        lengths = ops.sum(ops.cast(ops.not_equal(prompts, PAD_ID), "int32"), axis=1)
        prefill_length = ops.maximum(ops.max(lengths), 1)
        left_pad = prefill_length - lengths  # [batch]
        slots = ops.arange(prefill_length, dtype="int32")[None, :]
        # Slot s of row b holds decoder input s - left_pad[b]: shift_right's pad first,
        # then the prompt.
        source_index = slots - left_pad[:, None]
        fed = ops.concatenate([ops.zeros((batch_size, 1), "int32"), prompts], axis=1)
        prefill_ids = ops.take_along_axis(fed, ops.maximum(source_index, 0), axis=1)
        prefill_ids = ops.where(source_index >= 0, prefill_ids, PAD_ID)
        last_ids = ops.take_along_axis(fed, lengths[:, None], axis=1)  # [batch, 1]

        max_length = prefill_length + extra_length
        key_slots = ops.arange(max_length, dtype="int32")[None, :]
        hidden = ops.cast(key_slots < left_pad[:, None], "float32") * large_negative_number()
        pad_bias = hidden[:, None, None, :]  # [batch, 1, 1, max_length]
        cache = self.decoder.init_cache(batch_size, max_length)
        x = self._embed(prefill_ids, start_index=-left_pad)
        _, cache = self.decoder(
            x, cache=cache, decode_index=0, self_attention_bias=pad_bias, training=False
        )
        memory = {"left_pad": left_pad, "first_ids": last_ids, "bias": pad_bias}
        if self.image_start_id:
            memory["image_rows"] = ops.any(ops.equal(prompts, self.image_start_id), axis=1)
        memory, cache = repeat_rows((memory, cache), rows_per_input)
        memory["start"] = prefill_length  # a scalar, the same for every row
        return memory, cache, extra_length

    def decode_step(self, ids, position, cache: list, memory: dict) -> tuple:
        slot = memory["start"] + position
        ids = ops.where(position == 0, memory["first_ids"], ops.cast(ids, "int32"))
        x = self._embed(ids, start_index=slot - memory["left_pad"])
        x, cache = self.decoder(
            x,
            cache=cache,
            decode_index=slot,
            self_attention_bias=memory["bias"],
            training=False,
        )
        logits = self._logits(x)[:, 0, :]
        if self.image_start_id:
            logits = self._only_image_ids(logits, memory["image_rows"])
        return logits, cache

    def get_config(self):
        return family_config(self, "vocab_size", "num_layers", *IMAGE_SETTINGS)
