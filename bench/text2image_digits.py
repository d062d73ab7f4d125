r"""Text-to-image at digit scale, judged: images sampled after captions by the
decoder-only Transformer trained on text2image_digits, classified by the project's own
ViT trained on image_digits (the judge plays the part CLIP re-ranking plays for DALL-E);
docs/results.md quotes the output and shows the contact sheet.

    t2t-trainer --flagfile=configs/image_digits.cfg
    t2t-trainer --flagfile=configs/text2image_digits.cfg
    python bench/text2image_digits.py \
      --data_dir=t2t_work/text2image_digits/data --output_dir=t2t_work/text2image_digits/run \
      --judge_data_dir=t2t_work/image_digits/data --judge_output_dir=t2t_work/image_digits/run

The temperature and top-k are chosen on --tune_seeds; the figures are measured on
--report_seeds, other sampling seeds. Every caption of the three templates for every
digit gets --samples images per seed. Distances are root-mean-square pixel differences
on the 0..1 scale: each sample's to its nearest training image (small: a copy), and the
mean over pairs of samples of one caption, beside the same over pairs of real test
images of that digit (diversity).
"""

import itertools
import os
import platform
import statistics
import sys
import time

import numpy as np
from absl import app, flags

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results_file import write_atomically, write_json  # noqa: E402

flags.DEFINE_string("data_dir", None, "The text2image_digits data_dir.")
flags.DEFINE_string("output_dir", None, "The trained text2image_digits run.")
flags.DEFINE_string("judge_data_dir", None, "The image_digits data_dir.")
flags.DEFINE_string("judge_output_dir", None, "The trained vision_transformer run (the judge).")
flags.DEFINE_list("temperatures", ["0.7", "0.85", "1.0"], "Sampling temperatures to tune over.")
flags.DEFINE_list("top_ks", ["-1", "4"], "sampling_keep_top_k values to tune over (-1: all).")
flags.DEFINE_list("tune_seeds", ["101", "102"], "Sampling seeds that choose the settings.")
flags.DEFINE_list("report_seeds", ["1", "2", "3"], "Sampling seeds the figures come from.")
flags.DEFINE_integer("samples", 10, "Images per caption and seed.", lower_bound=2)
flags.DEFINE_string("results", "docs/results_text2image_digits", "Writes .json, .md, .png.")
FLAGS = flags.FLAGS


def captions() -> list[tuple[str, int]]:
    from t2t_lite.problems.text2image import CAPTION_TEMPLATES, caption

    return [(caption(d, t), d) for t in CAPTION_TEMPLATES for d in range(10)]


def sample(run, settings: str, seed: int, texts: list[str]) -> list[list[np.ndarray]]:
    from t2t_lite import decoding

    hparams = decoding.decode_hparams(
        f"beam_size=1,sampling_method=random,{settings},sampling_seed={seed},"
        f"samples_per_input={FLAGS.samples},batch_size=64"
    )
    decoder = decoding.IdDecoder(run.model, decoding.image_search(hparams, run.problem))
    return decoding.generate_images(
        decoder, texts, run.vocabulary["targets"], run.problem, run.hparams.max_length, 64, "bench"
    )


def judge(judge_run, images: np.ndarray) -> np.ndarray:
    """The judge's digit for uint8 `[n, 8, 8]` images."""
    pixels = images[..., None].astype(np.float32) / 255.0
    logits = judge_run.model({"inputs": pixels}, training=False)
    return np.asarray(logits).argmax(-1)


def rms(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sqrt(
        np.mean((a.astype(np.float64) / 255 - b.astype(np.float64) / 255) ** 2, axis=(-2, -1))
    )


def mean_pairwise(images: np.ndarray) -> float:
    pairs = itertools.combinations(range(len(images)), 2)
    return float(np.mean([rms(images[i], images[j]) for i, j in pairs]))


def evaluate(run, judge_run, settings: str, seed: int) -> dict:
    texts, digits = zip(*captions(), strict=True)
    images = sample(run, settings, seed, list(texts))
    flat = np.stack([image for row in images for image in row])
    wanted = np.repeat(np.array(digits), FLAGS.samples)
    judged = judge(judge_run, flat)
    return {
        "images": images,
        "flat": flat,
        "digits": wanted,
        "judged_right": float(np.mean(judged == wanted)),
    }


def main(argv):
    del argv
    from t2t_lite import runs
    from t2t_lite.decoding import contact_sheet
    from t2t_lite.problems import TEST, TRAIN
    from t2t_lite.problems.image_datasets import digit_pixels, digits_split
    from t2t_lite.problems.image_io import encode_png

    start = time.monotonic()
    run = runs.open_trained_run(FLAGS.output_dir, FLAGS.data_dir)
    judge_run = runs.open_trained_run(FLAGS.judge_output_dir, FLAGS.judge_data_dir)
    tuning = {}
    for temperature, top_k in itertools.product(FLAGS.temperatures, FLAGS.top_ks):
        settings = f"sampling_temp={temperature},sampling_keep_top_k={top_k}"
        scores = [
            evaluate(run, judge_run, settings, int(s))["judged_right"] for s in FLAGS.tune_seeds
        ]
        tuning[settings] = statistics.mean(scores)
        print(f"tuning {settings}: judged right {tuning[settings]:.4f}", flush=True)
    chosen = max(tuning, key=tuning.get)

    test_levels, test_digits = digits_split(TEST)
    test_images = digit_pixels(test_levels)
    judge_on_real = float(np.mean(judge(judge_run, test_images) == test_digits))
    train_images = digit_pixels(digits_split(TRAIN)[0]).astype(np.float64)
    real_diversity = statistics.mean(
        mean_pairwise(test_images[test_digits == d]) for d in range(10)
    )
    reported, nearest, diversity = [], [], []
    for seed in FLAGS.report_seeds:
        result = evaluate(run, judge_run, chosen, int(seed))
        reported.append(result["judged_right"])
        for image in result["flat"]:
            nearest.append(float(rms(image[None], train_images).min()))
        diversity += [mean_pairwise(np.stack(row)) for row in result["images"]]
        if seed == FLAGS.report_seeds[0]:
            # One row per digit, "the digit <word>" captions (the second template).
            sheet = encode_png(contact_sheet(result["images"][10:20]))
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "checkpoint": run.checkpoint,
        "judge_checkpoint": judge_run.checkpoint,
        "captions": len(captions()),
        "samples_per_caption_and_seed": FLAGS.samples,
        "tuning": tuning,
        "tune_seeds": FLAGS.tune_seeds,
        "chosen": chosen,
        "report_seeds": FLAGS.report_seeds,
        "judged_right_per_seed": reported,
        "judged_right_mean": statistics.mean(reported),
        "judge_accuracy_on_real_test_digits": judge_on_real,
        "nearest_training_image_rms_mean": statistics.mean(nearest),
        "nearest_training_image_rms_min": min(nearest),
        "exact_copies_of_training_images": sum(d < 1e-9 for d in nearest),
        "sample_diversity_rms": statistics.mean(diversity),
        "real_test_digit_diversity_rms": real_diversity,
        "seconds": round(time.monotonic() - start, 1),
    }
    write_json(FLAGS.results + ".json", result)
    lines = [
        f"Sampling chosen on seeds {', '.join(FLAGS.tune_seeds)}: `{chosen}`.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| judged right, seeds {', '.join(FLAGS.report_seeds)} (mean; per seed) | "
        f"{result['judged_right_mean']:.4f}; {', '.join(f'{r:.4f}' for r in reported)} |",
        f"| the judge's accuracy on the 360 real test digits | {judge_on_real:.4f} |",
        f"| RMS distance to the nearest training image (mean, min) | "
        f"{result['nearest_training_image_rms_mean']:.3f}, "
        f"{result['nearest_training_image_rms_min']:.3f} |",
        f"| exact copies of a training image | {result['exact_copies_of_training_images']} of "
        f"{len(nearest)} |",
        f"| diversity: RMS between samples of one caption | {result['sample_diversity_rms']:.3f} |",
        f"| diversity: RMS between real test images of one digit | {real_diversity:.3f} |",
        "",
    ]
    write_atomically(FLAGS.results + ".png", sheet)
    write_atomically(FLAGS.results + ".md", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    flags.mark_flags_as_required(["data_dir", "output_dir", "judge_data_dir", "judge_output_dir"])
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    app.run(main)
