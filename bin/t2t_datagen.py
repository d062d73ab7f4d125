"""t2t-datagen: turns named problems into a vocabulary and sharded TFRecords.

t2t-datagen --problem=translate_ende_multi30k --data_dir=~/t2t_data --tmp_dir=/tmp/t2t_raw
"""

import os

from absl import app, flags, logging

from t2t_lite_bin import cli

cli.quiet_tensorflow()

flags.DEFINE_string("problem", None, "Problem name, or a comma-separated list of names.")
flags.DEFINE_string("data_dir", None, "Where the vocabulary and TFRecord shards are written.")
flags.DEFINE_string(
    "tmp_dir", "/tmp/t2t_datagen", "Raw files: read from here, downloaded here when missing."
)
flags.DEFINE_integer(
    "random_seed", 429459, "Seed of generation and shuffling (same seed, same files)."
)
flags.DEFINE_integer(
    "max_cases", 0, "Keep only the first N cases of each split (0: all).", lower_bound=0
)
flags.DEFINE_string(
    "t2t_usr_dir",
    None,
    "Directory of a Python module that registers problems, models or hparams sets.",
)
flags.DEFINE_bool("overwrite", False, "Regenerate problems whose files are already complete.")
flags.DEFINE_bool("registry_help", False, "List the problems, hparams sets and models, then exit.")
for _split in ("train", "dev", "test"):
    flags.DEFINE_string(
        f"{_split}_source", None, f"translate_parallel_text: source file of the {_split} split."
    )
    flags.DEFINE_string(
        f"{_split}_target", None, f"translate_parallel_text: target file of the {_split} split."
    )
    flags.DEFINE_string(
        f"{_split}_dir",
        None,
        f"image_folder: the {_split} split, one sub-folder of PNG or JPEG images per class.",
    )
    flags.DEFINE_string(
        f"{_split}_text",
        None,
        f"languagemodel_text_files: text of the {_split} split, one example per line; "
        "text_classification_files: label<TAB>text lines (plain or .gz).",
    )
flags.DEFINE_integer(
    "approx_vocab_size",
    8000,
    "translate_parallel_text, languagemodel_text_files and text_classification_files: "
    "vocabulary size.",
    lower_bound=300,
)
flags.DEFINE_integer(
    "image_size",
    0,
    "image_folder: resize every image to this square side (0: keep; training resizes to the "
    "model's).",
    lower_bound=0,
)
flags.DEFINE_integer("channels", 3, "image_folder: 1 (grey) or 3 (RGB); images are converted.")
FLAGS = flags.FLAGS


def parallel_text_corpus() -> dict:
    """`--{split}_source/--{split}_target` pairs; both or neither for each split."""
    corpus = {}
    for split in ("train", "dev", "test"):
        source, target = FLAGS[f"{split}_source"].value, FLAGS[f"{split}_target"].value
        if bool(source) != bool(target):
            given, missing = (
                (f"{split}_source", f"{split}_target")
                if source
                else (f"{split}_target", f"{split}_source")
            )
            raise app.UsageError(f"--{given} needs --{missing}")
        if source:
            corpus[split] = (os.path.expanduser(source), os.path.expanduser(target))
    return corpus


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    from t2t_lite import hparams, models, problems
    from t2t_lite.utils.usr_dir import import_usr_dir

    if FLAGS.t2t_usr_dir:
        import_usr_dir(FLAGS.t2t_usr_dir)
    if FLAGS.registry_help:
        print("Problems:\n  " + "\n  ".join(problems.list_problems()))
        print("Hparams sets:\n  " + "\n  ".join(hparams.list_hparams_sets()))
        print("Models:\n  " + "\n  ".join(models.list_models()))
        return
    if not FLAGS.problem:
        raise app.UsageError("--problem is required (--registry_help lists the problems)")
    if not FLAGS.data_dir:
        raise app.UsageError("--data_dir is required")
    corpus = parallel_text_corpus()
    data_dir = os.path.expanduser(FLAGS.data_dir)
    tmp_dir = os.path.expanduser(FLAGS.tmp_dir)
    names = [name.strip() for name in FLAGS.problem.split(",") if name.strip()]
    selected = [problems.get_problem(name, **problem_kwargs(name, corpus)) for name in names]
    for problem in selected:
        logging.info("generating %s into %s", problem.name, data_dir)
        problem.generate_data(
            data_dir,
            tmp_dir,
            seed=FLAGS.random_seed,
            max_cases=FLAGS.max_cases,
            overwrite=FLAGS.overwrite,
        )
    print(f"Data for {', '.join(names)} is in {data_dir}")


def text_corpus() -> dict:
    """`--{split}_text` files by split."""
    return {
        split: os.path.expanduser(FLAGS[f"{split}_text"].value)
        for split in ("train", "dev", "test")
        if FLAGS[f"{split}_text"].value
    }


def problem_kwargs(name: str, corpus: dict) -> dict:
    if name == "image_folder":
        folders = {
            split: os.path.expanduser(FLAGS[f"{split}_dir"].value)
            for split in ("train", "dev", "test")
            if FLAGS[f"{split}_dir"].value
        }
        if "train" not in folders:
            raise app.UsageError("image_folder needs --train_dir (and --dev_dir to evaluate)")
        if FLAGS.channels not in (1, 3):
            raise app.UsageError(f"--channels={FLAGS.channels}: use 1 (grey) or 3 (RGB)")
        return {"corpus": folders, "image_size": FLAGS.image_size, "channels": FLAGS.channels}
    if name in ("languagemodel_text_files", "text_classification_files"):
        text = text_corpus()
        if "train" not in text:
            raise app.UsageError(f"{name} needs --train_text (and --dev_text to evaluate)")
        return {"corpus": text, "approx_vocab_size": FLAGS.approx_vocab_size}
    if name.removesuffix("_rev") != "translate_parallel_text":
        return {}
    if not corpus:
        raise app.UsageError("translate_parallel_text needs --train_source and --train_target")
    return {"corpus": corpus, "approx_vocab_size": FLAGS.approx_vocab_size}


def run():
    cli.run(main)


if __name__ == "__main__":
    run()
