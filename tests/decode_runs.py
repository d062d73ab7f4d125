"""Trained runs that the decoding tests share (built once per session by conftest)."""

import random

from t2t_lite.problems import get_problem

from binaries import run_binary

REVERSE_PROBLEM = "algorithmic_reverse_binary40_test"
# Small, dropout-free and with a steady learning rate, so that a few hundred steps give
# a confident model (the decoding tests compare searches, which needs clear argmaxes).
REVERSE_HPARAMS = (
    "hidden_size=64,filter_size=128,num_heads=4,num_hidden_layers=2,batch_size=512,"
    "layer_prepostprocess_dropout=0.0,attention_dropout=0.0,relu_dropout=0.0,label_smoothing=0.0,"
    "learning_rate_schedule=constant*linear_warmup,learning_rate_constant=0.003,"
    "learning_rate_warmup_steps=50"
)
REVERSE_STEPS = 400

TEXT_WORDS = [
    "the",
    "a",
    "small",
    "big",
    "red",
    "blue",
    "house",
    "dog",
    "cat",
    "runs",
    "sees",
    "Grüße",
    "straße",
    "café",
    "naïve",
    "東京",
    "日本",
    "привет",
    "мир",
    "🙂",
    "señor",
]


def train_reverse_run(root) -> tuple[str, str]:
    """`(data_dir, output_dir)` of transformer_tiny-shaped model trained to reverse
    binary strings of up to 10 symbols, with checkpoints every 100 steps."""
    data_dir, output_dir = root / "data", root / "run"
    get_problem(REVERSE_PROBLEM).generate_data(str(data_dir), str(data_dir), seed=11)
    result = train_reverse(
        data_dir, output_dir, REVERSE_STEPS, "--local_eval_frequency=100", timeout=600
    )
    assert result.returncode == 0, result.stderr
    return str(data_dir), str(output_dir)


def train_reverse(data_dir, output_dir, train_steps: int, *flags: str, **kwargs):
    """t2t-trainer --schedule=train on the reverse problem with REVERSE_HPARAMS."""
    return run_binary(
        "t2t-trainer",
        f"--problem={REVERSE_PROBLEM}",
        "--hparams_set=transformer_tiny",
        f"--hparams={REVERSE_HPARAMS}",
        f"--data_dir={data_dir}",
        f"--output_dir={output_dir}",
        f"--train_steps={train_steps}",
        "--schedule=train",
        *flags,
        **kwargs,
    )


def text_corpus(directory, pairs: int = 300) -> list[str]:
    """Flags of a synthetic parallel corpus with non-ASCII words (target = reversed
    source) for every split, since t2t-trainer reads text problems' train, dev and test."""
    rng = random.Random(5)
    flags = []
    for split, count in (("train", pairs), ("dev", 20), ("test", 20)):
        sources = [
            " ".join(rng.choice(TEXT_WORDS) for _ in range(rng.randint(2, 9))) for _ in range(count)
        ]
        targets = [" ".join(reversed(line.split())) for line in sources]
        for side, lines in (("source", sources), ("target", targets)):
            path = directory / f"{split}.{side}"
            path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
            flags.append(f"--{split}_{side}={path}")
    return flags


def train_text_run(root) -> tuple[str, str]:
    """`(data_dir, output_dir)` of a tiny subword model trained for a few steps."""
    root.mkdir(parents=True, exist_ok=True)
    data_dir, output_dir = root / "data", root / "run"
    result = run_binary(
        "t2t-datagen",
        "--problem=translate_parallel_text",
        *text_corpus(root),
        "--approx_vocab_size=300",
        f"--data_dir={data_dir}",
    )
    assert result.returncode == 0, result.stderr
    result = run_binary(
        "t2t-trainer",
        "--problem=translate_parallel_text",
        "--hparams_set=transformer_tiny",
        "--hparams=hidden_size=32,filter_size=64,num_heads=2,num_hidden_layers=1,batch_size=256,max_length=16",
        f"--data_dir={data_dir}",
        f"--output_dir={output_dir}",
        "--train_steps=3",
        "--schedule=train",
    )
    assert result.returncode == 0, result.stderr
    return str(data_dir), str(output_dir)


NUMBER_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
]
LM_HPARAMS = (
    "hidden_size=64,filter_size=128,num_heads=4,num_hidden_layers=2,batch_size=512,"
    "layer_prepostprocess_dropout=0.0,attention_dropout=0.0,relu_dropout=0.0,"
    "label_smoothing=0.0,learning_rate_schedule=constant*linear_warmup,"
    "learning_rate_constant=0.003,learning_rate_warmup_steps=30,max_length=24"
)
LM_STEPS = 150


def counting_lines(count: int, seed: int) -> list[str]:
    """Lines of 3 to 6 consecutive number words ("four five six"): after one word the
    next is certain, so a language model learns it in a few steps."""
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        start, length = rng.randint(0, 6), rng.randint(3, 6)
        lines.append(" ".join(NUMBER_WORDS[start : start + length]))
    return lines


def train_lm_run(root) -> tuple[str, str]:
    """`(data_dir, output_dir)` of a small language model (languagemodel_text_files) on
    `counting_lines`, trained with train_and_evaluate by t2t-trainer --model=transformer,
    mirrored over two logical CPU devices (a strategy other than one device)."""
    root.mkdir(parents=True, exist_ok=True)
    data_dir, output_dir = root / "data", root / "run"
    train, dev = root / "train.txt", root / "dev.txt"
    train.write_text("\n".join(counting_lines(600, 1)) + "\n", encoding="utf-8")
    dev.write_text("\n".join(counting_lines(40, 2)) + "\n", encoding="utf-8")
    result = run_binary(
        "t2t-datagen",
        "--problem=languagemodel_text_files",
        f"--train_text={train}",
        f"--dev_text={dev}",
        "--approx_vocab_size=300",
        f"--data_dir={data_dir}",
    )
    assert result.returncode == 0, result.stderr
    result = run_binary(
        "t2t-trainer",
        "--problem=languagemodel_text_files",
        "--model=transformer",
        "--hparams_set=transformer_tiny",
        f"--hparams={LM_HPARAMS}",
        f"--data_dir={data_dir}",
        f"--output_dir={output_dir}",
        f"--train_steps={LM_STEPS}",
        f"--local_eval_frequency={LM_STEPS}",
        "--eval_steps=0",
        "--num_cpu_devices=2",
        "--distribution_strategy=mirrored",
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "mirrored strategy with 2 replica(s)" in result.stderr
    (root / "trainer.out").write_text(result.stdout, encoding="utf-8")
    return str(data_dir), str(output_dir)
