"""Builds the Transformer from an hparams set, trains a few steps on a random copy task,
saves it as a `.keras` file and checks that the reloaded model gives the same outputs.

A stand-in for the full pipeline (datagen -> trainer -> decoder -> exporter) until those
binaries exist; `make quickstart` runs it.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app, flags, logging  # noqa: E402

flags.DEFINE_string("hparams_set", "transformer_tiny", "Named hyperparameter set.")
flags.DEFINE_string("hparams", "", 'Overrides in T2T form, e.g. "hidden_size=64,num_heads=2".')
flags.DEFINE_integer("train_steps", 50, "Training steps on the random copy task.", lower_bound=1)
flags.DEFINE_integer("vocab_size", 64, "Vocabulary size of the random ids.", lower_bound=3)
flags.DEFINE_string("output_dir", "t2t_work/quickstart", "Where the .keras file is written.")
FLAGS = flags.FLAGS


def main(argv):
    del argv
    import keras
    import numpy as np
    import tensorflow as tf

    from t2t_lite.hparams import HParamsError, get_hparams
    from t2t_lite.models import PaddedCrossEntropy, Transformer

    try:
        hparams = get_hparams(FLAGS.hparams_set, FLAGS.hparams)
    except HParamsError as error:
        raise app.UsageError(f"--hparams_set/--hparams: {error}")
    keras.utils.set_random_seed(0)
    ids = np.random.default_rng(0).integers(2, FLAGS.vocab_size, size=(32, 12))
    ids[:, -1] = 1  # EOS
    features = {"inputs": tf.constant(ids), "targets": tf.constant(ids)}
    model = Transformer.from_hparams(hparams, FLAGS.vocab_size, FLAGS.vocab_size)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3, beta_2=hparams.optimizer_adam_beta2),
        loss=PaddedCrossEntropy(hparams.label_smoothing),
    )
    steps = tf.data.Dataset.from_tensors((features, features["targets"])).repeat(FLAGS.train_steps)
    history = model.fit(steps, epochs=1, verbose=0)
    logging.info("%s: %d steps, loss %.3f", FLAGS.hparams_set, FLAGS.train_steps, history.history["loss"][-1])

    os.makedirs(FLAGS.output_dir, exist_ok=True)
    path = os.path.join(FLAGS.output_dir, "model.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    difference = float(tf.reduce_max(tf.abs(restored(features) - model(features))))
    print(f"Saved {path} ({model.count_params():,} parameters); reloaded, max difference {difference:g}")


if __name__ == "__main__":
    app.run(main)
