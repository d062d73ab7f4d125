"""The benchmark Transformer from keras-hub's layers, trained the way a Keras user would:
`TransformerEncoder`/`TransformerDecoder` (pre-norm), `ReversibleEmbedding` tying the
target embedding to the softmax, `SinePositionEncoding`, Keras' label-smoothed
cross-entropy and Adam, in one `tf.function` train step."""

import keras
import keras_hub
import numpy as np
import tensorflow as tf

from bench.peers.dims import TransformerDims


class KerasHubTransformer(keras.Model):
    def __init__(self, dims: TransformerDims, **kwargs):
        super().__init__(**kwargs)
        self.dims = dims
        d = dims.hidden_size
        self.source_embedding = keras.layers.Embedding(dims.vocab_size, d)
        self.target_embedding = keras_hub.layers.ReversibleEmbedding(
            dims.vocab_size, d, tie_weights=True
        )
        self.positions = keras_hub.layers.SinePositionEncoding()
        self.encoder_layers = [
            keras_hub.layers.TransformerEncoder(
                dims.filter_size, dims.num_heads, dropout=dims.dropout, normalize_first=True
            )
            for _ in range(dims.num_layers)
        ]
        self.decoder_layers = [
            keras_hub.layers.TransformerDecoder(
                dims.filter_size, dims.num_heads, dropout=dims.dropout, normalize_first=True
            )
            for _ in range(dims.num_layers)
        ]
        self.encoder_norm = keras.layers.LayerNormalization(epsilon=1e-6)
        self.decoder_norm = keras.layers.LayerNormalization(epsilon=1e-6)
        self.dropout = keras.layers.Dropout(dims.dropout)

    def _embed(self, embedding, ids, training):
        x = embedding(ids) * (self.dims.hidden_size**0.5)
        return self.dropout(x + self.positions(x), training=training)

    def call(self, inputs, targets, training=False):
        source_mask = tf.not_equal(inputs, 0)
        decoder_inputs = tf.pad(targets[:, :-1], [[0, 0], [1, 0]])
        x = self._embed(self.source_embedding, inputs, training)
        for layer in self.encoder_layers:
            x = layer(x, padding_mask=source_mask, training=training)
        memory = self.encoder_norm(x)
        y = self._embed(self.target_embedding, decoder_inputs, training)
        for layer in self.decoder_layers:
            y = layer(
                y, memory, encoder_padding_mask=source_mask, use_causal_mask=True, training=training
            )
        return self.target_embedding(self.decoder_norm(y), reverse=True)


class KerasHubTrainer:
    """`step(inputs, targets)` -> loss (a tf scalar): one Adam update."""

    name = "keras-hub"

    def __init__(self, dims: TransformerDims):
        self.model = KerasHubTransformer(dims)
        self.optimizer = keras.optimizers.Adam(1e-4)
        self.loss = keras.losses.CategoricalCrossentropy(
            from_logits=True, label_smoothing=dims.label_smoothing
        )
        self.vocab_size = dims.vocab_size
        one = tf.ones([1, 2], tf.int64)
        self.model(one, one)

    @tf.function(reduce_retracing=True)
    def _step(self, inputs, targets):
        with tf.GradientTape() as tape:
            logits = self.model(inputs, targets, training=True)
            weights = tf.cast(tf.not_equal(targets, 0), tf.float32)
            loss = self.loss(tf.one_hot(targets, self.vocab_size), logits, sample_weight=weights)
        variables = self.model.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))
        return loss

    def step(self, inputs: np.ndarray, targets: np.ndarray):
        return self._step(tf.constant(inputs), tf.constant(targets))

    @staticmethod
    def sync(loss) -> float:
        return float(loss)


def keras_hub_greedy_fn(model: KerasHubTransformer, length: int, jit_compile: bool = False):
    """A traced `search(inputs [batch, n] int32) -> ids [batch, length]`: keras-hub's
    `GreedySampler` over the decoder's own key/value caches (`self_attention_cache`,
    `cross_attention_cache`), the way keras-hub's seq2seq models generate. It runs to
    `length` without stopping, like t2t_lite's bench with EOS suppressed."""
    dims = model.dims
    heads, depth = dims.num_heads, dims.hidden_size // dims.num_heads
    sampler = keras_hub.samplers.GreedySampler()

    def embed_position(ids, index):
        x = model.target_embedding(ids) * (dims.hidden_size**0.5)
        positions = model.positions(tf.zeros([1, length + 1, dims.hidden_size]))
        return x + positions[:, index : index + 1]

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32)], jit_compile=jit_compile)
    def search(inputs):
        batch, source_length = tf.shape(inputs)[0], tf.shape(inputs)[1]
        source_mask = tf.not_equal(inputs, 0)
        x = model._embed(model.source_embedding, inputs, False)
        for layer in model.encoder_layers:
            x = layer(x, padding_mask=source_mask)
        memory = model.encoder_norm(x)
        start = tf.zeros([batch, 1], tf.int32)
        self_caches, cross_caches = [], []
        y = embed_position(start, 0)
        for layer in model.decoder_layers:  # fills the cross-attention caches once
            y, self_cache, cross_cache = layer(
                y,
                memory,
                encoder_padding_mask=source_mask,
                self_attention_cache=tf.zeros([batch, 2, length + 1, heads, depth]),
                self_attention_cache_update_index=0,
                cross_attention_cache=tf.zeros([batch, 2, source_length, heads, depth]),
                cross_attention_cache_update_index=0,
            )
            self_caches.append(self_cache)
            cross_caches.append(cross_cache)

        def next_fn(prompt, cache, index):
            self_caches, cross_caches = cache
            ids = tf.slice(prompt, [0, index - 1], [batch, 1])
            y = embed_position(ids, index - 1)
            new_self = []
            for layer, self_cache, cross_cache in zip(
                model.decoder_layers, tf.unstack(self_caches), tf.unstack(cross_caches), strict=True
            ):
                y, self_cache, _ = layer(
                    y,
                    memory,
                    encoder_padding_mask=source_mask,
                    self_attention_cache=self_cache,
                    self_attention_cache_update_index=index - 1,
                    cross_attention_cache=cross_cache,
                    cross_attention_cache_update_index=None,
                )
                new_self.append(self_cache)
            logits = model.target_embedding(model.decoder_norm(y), reverse=True)[:, 0]
            return logits, None, (tf.stack(new_self), cross_caches)

        prompt = tf.zeros([batch, length + 1], tf.int32)
        ids = sampler(
            next_fn, prompt, cache=(tf.stack(self_caches), tf.stack(cross_caches)), index=1
        )
        return ids[:, 1:]

    return search
