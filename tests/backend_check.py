"""Run by tests/test_backends.py, each time in a fresh process:

KERAS_BACKEND=tensorflow python tests/backend_check.py WORK_DIR
  builds two small Transformers (T2T's timing signal with dot-product attention, and
  relative attention without a timing signal) and a decoder-only one (prompts of
  different lengths prefilled, then cached steps) and two Vision Transformers (class
  token, learned positions, GELU; mean pooling, timing signal, ReLU), and writes
  WORK_DIR/<name>.keras and
  <name>.npz (inputs and the TensorFlow backend's outputs);
KERAS_BACKEND=jax (or torch) python tests/backend_check.py WORK_DIR
  with TensorFlow made unimportable, loads that model and checks its outputs
  against the reference; exits 1 with the reasons when any differs by over 1e-5.
"""

import importlib.abc
import importlib.machinery
import os
import sys


class _NoTensorFlow(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Makes `import tensorflow` fail as it does where TensorFlow is not installed (a
    spec is found, so that mere lookups such as torch's do not fail; loading fails)."""

    def find_spec(self, name, path, target=None):
        if name == "tensorflow" or name.startswith("tensorflow."):
            return importlib.machinery.ModuleSpec(name, self)
        return None

    def create_module(self, spec):
        raise ModuleNotFoundError(f"No module named {spec.name!r} (blocked)", name=spec.name)

    def exec_module(self, module):
        raise AssertionError("unreachable")


if os.environ.get("KERAS_BACKEND") != "tensorflow":
    sys.meta_path.insert(0, _NoTensorFlow())

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

from t2t_lite.layers import AttentionSpec, get_timing_signal_1d  # noqa: E402
from t2t_lite.models import DecoderOnlyTransformer, Transformer, VisionTransformer  # noqa: E402

TOLERANCE = 1e-5


def numpy_timing_signal(length, channels, start_index=0, min_timescale=1.0, max_timescale=1.0e4):
    """T2T's formula in float64 NumPy, one timescale at a time."""
    num_timescales = channels // 2
    increment = np.log(max_timescale / min_timescale) / max(num_timescales - 1, 1)
    signal = np.zeros((length, channels))
    for i in range(num_timescales):
        angles = (start_index + np.arange(length)) * min_timescale * np.exp(-i * increment)
        signal[:, i], signal[:, num_timescales + i] = np.sin(angles), np.cos(angles)
    return signal[np.newaxis]


def outputs(model, ref) -> dict:
    """Encoder output, teacher-forced logits, and logits of cached decode steps."""
    inputs, targets = ref["inputs"], ref["targets"]
    encoder_output, memory_bias = model.encode(inputs)
    memory = model.decode_memory(encoder_output, memory_bias)
    cache = model.init_decode_cache(inputs.shape[0], int(ref["max_length"]))
    shifted = np.pad(targets, [[0, 0], [1, 0]])[:, :-1]
    steps = []
    for i in range(shifted.shape[1]):
        logits, cache = model.decode_step(shifted[:, i : i + 1], i, cache, memory)
        steps.append(ops.convert_to_numpy(logits))
    return {
        "encoder_output": ops.convert_to_numpy(encoder_output),
        "logits": ops.convert_to_numpy(model({"inputs": inputs, "targets": targets})),
        "step_logits": np.stack(steps, 1),
    }


def compare(name: str, got, want) -> list[str]:
    if got.shape != want.shape:
        return [f"{name}: shape {got.shape}, want {want.shape}"]
    error = float(np.max(np.abs(got - want)))
    return [f"{name}: max difference {error:.2e} > {TOLERANCE}"] if error > TOLERANCE else []


# name -> Transformer arguments beyond the shared ones. The relative model's decode runs
# past its clipping distance (max_length 8, distance 3).
MODELS = {
    "model": dict(attention=AttentionSpec(num_heads=4)),
    "relative": dict(
        attention=AttentionSpec(num_heads=4, max_relative_position=3), use_timing_signal=False
    ),
}


def write_reference(work_dir: str) -> int:
    for name, kwargs in MODELS.items():
        write_model_reference(work_dir, name, kwargs)
    write_language_model_reference(work_dir)
    write_vision_reference(work_dir)
    return 0


# The Vision Transformer both ways: class token, learned positions, GELU; and mean
# pooling, T2T's timing signal, ReLU.
VISION_MODELS = {
    "vit": dict(pooling="class_token", position="emb", activation="gelu"),
    "vit_mean": dict(pooling="mean", position="timing", activation="relu"),
}


def write_vision_reference(work_dir: str) -> None:
    rng = np.random.default_rng(2)
    images = rng.uniform(size=(3, 8, 8, 3)).astype("float32")
    for name, kwargs in VISION_MODELS.items():
        model = VisionTransformer(
            image_size=8,
            num_channels=3,
            patch_size=2,
            num_classes=5,
            hidden_size=32,
            filter_size=48,
            num_layers=2,
            attention=AttentionSpec(num_heads=4),
            **kwargs,
        )
        model.build()
        model.set_weights(
            [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in model.weights]
        )
        logits = ops.convert_to_numpy(model({"inputs": images}))
        model.save(os.path.join(work_dir, f"{name}.keras"))
        np.savez(os.path.join(work_dir, f"{name}.npz"), images=images, logits=logits)


def check_vision(work_dir: str) -> list[str]:
    problems = []
    for name in VISION_MODELS:
        ref = dict(np.load(os.path.join(work_dir, f"{name}.npz")))
        model = keras.models.load_model(os.path.join(work_dir, f"{name}.keras"))
        if not isinstance(model, VisionTransformer):
            problems.append(f"{name}: loaded a {type(model).__name__}")
            continue
        got = ops.convert_to_numpy(model({"inputs": ref["images"]}))
        problems += compare(f"{name} logits", got, ref["logits"])
    return problems


def language_model_outputs(model, ref) -> dict:
    """Teacher-forced logits, and the logits of 3 cached steps after the prompts' prefill."""
    memory, cache, _ = model.begin_decode(ref["prompts"], 4)
    fed, steps = np.zeros((ref["prompts"].shape[0], 1), "int32"), []
    for i in range(3):
        logits, cache = model.decode_step(fed, i, cache, memory)
        steps.append(ops.convert_to_numpy(logits))
        fed = ref["continuations"][:, i : i + 1]
    return {
        "logits": ops.convert_to_numpy(model({"targets": ref["targets"]})),
        "step_logits": np.stack(steps, 1),
    }


def write_language_model_reference(work_dir: str) -> None:
    rng = np.random.default_rng(1)
    model = DecoderOnlyTransformer(
        vocab_size=19,
        hidden_size=32,
        filter_size=48,
        num_layers=2,
        attention=AttentionSpec(num_heads=4, max_relative_position=3),
    )
    model.build()
    model.set_weights(
        [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in model.weights]
    )
    prompts = rng.integers(2, 19, size=(3, 5)).astype("int32")
    prompts[1, 2:] = 0
    prompts[2, :] = 0  # unconditional
    ref = {
        "prompts": prompts,
        "continuations": rng.integers(2, 19, size=(3, 3)).astype("int32"),
        "targets": rng.integers(2, 19, size=(3, 7)).astype("int32"),
    }
    ref.update(language_model_outputs(model, ref))
    model.save(os.path.join(work_dir, "language_model.keras"))
    np.savez(os.path.join(work_dir, "language_model.npz"), **ref)


def check_language_model(work_dir: str) -> list[str]:
    ref = dict(np.load(os.path.join(work_dir, "language_model.npz")))
    model = keras.models.load_model(os.path.join(work_dir, "language_model.keras"))
    if not isinstance(model, DecoderOnlyTransformer):
        return [f"language_model: loaded a {type(model).__name__}"]
    got = language_model_outputs(model, ref)
    return [
        problem
        for output in ("logits", "step_logits")
        for problem in compare(f"language_model {output}", got[output], ref[output])
    ]


def write_model_reference(work_dir: str, name: str, kwargs: dict) -> None:
    rng = np.random.default_rng(0)
    model = Transformer(
        input_vocab_size=23,
        target_vocab_size=19,
        hidden_size=32,
        filter_size=48,
        num_encoder_layers=2,
        num_decoder_layers=2,
        shared_embedding_and_softmax_weights=False,
        **kwargs,
    )
    model.build()
    # Non-trivial LayerNorm scales and offsets too, not only the initial ones and zeros.
    model.set_weights(
        [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in model.weights]
    )
    inputs = rng.integers(2, 23, size=(3, 7)).astype("int32")
    inputs[0, 4:] = 0
    ref = {
        "inputs": inputs,
        "targets": rng.integers(2, 19, size=(3, 7)).astype("int32"),
        "max_length": 8,
    }
    ref.update(outputs(model, ref))
    model.save(os.path.join(work_dir, f"{name}.keras"))
    np.savez(os.path.join(work_dir, f"{name}.npz"), **ref)


def check_model(work_dir: str, name: str) -> list[str]:
    ref = dict(np.load(os.path.join(work_dir, f"{name}.npz")))
    model = keras.models.load_model(os.path.join(work_dir, f"{name}.keras"))
    if not isinstance(model, Transformer):
        return [f"{name}: loaded a {type(model).__name__}"]
    problems = []
    got = outputs(model, ref)
    for output in ("encoder_output", "logits", "step_logits"):
        problems += compare(f"{name} {output}", got[output], ref[output])
    # A model rebuilt from its config and saved again on this backend computes the same.
    clone = Transformer.from_config(model.get_config())
    clone.build()
    clone.set_weights(model.get_weights())
    path = os.path.join(work_dir, f"{name}_{keras.backend.backend()}.keras")
    clone.save(path)
    again = keras.models.load_model(path)
    problems += compare(f"{name} reloaded logits", outputs(again, ref)["logits"], ref["logits"])
    return problems


def check(work_dir: str) -> int:
    problems = []
    for name in MODELS:
        problems += check_model(work_dir, name)
    problems += check_language_model(work_dir)
    problems += check_vision(work_dir)
    for length, channels, start in [(5, 8, 0), (7, 13, 3), (50, 64, 117)]:
        signal = ops.convert_to_numpy(get_timing_signal_1d(length, channels, start_index=start))
        want = numpy_timing_signal(length, channels, start)
        problems += compare(
            f"timing signal {length}x{channels}+{start}", signal, want.astype(np.float32)
        )
    if "tensorflow" in sys.modules:
        problems.append("tensorflow was imported")
    for problem in problems:
        print(f"{keras.backend.backend()}: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit((write_reference if keras.backend.backend() == "tensorflow" else check)(sys.argv[1]))
