"""Every binary, each flag given a wrong type, an out-of-range value, a missing path or an
unknown name: a non-zero exit, a message that names the flag (or the file), no traceback,
and nothing written."""

import os

import pytest

from binaries import run_binary
from test_decoder_binary import assert_fails

# Runs binaries or trains models in subprocesses: `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

# (binary, arguments, fragments the error must contain). Placeholders: {data} and {run}
# (a trained reverse-binary run), {tmp} (this test's empty directory), {text} (a small
# text file).
CASES = [
    (
        "t2t-trainer",
        [
            "--problem=algorithmic_reverse_binary40_test",
            "--data_dir={data}",
            "--output_dir={tmp}/o",
            "--hparams=optimizer=multistep_adam,optimizer_multistep_accumulate_steps=0",
        ],
        ["--hparams", "optimizer_multistep_accumulate_steps=0"],
    ),
    (
        "t2t-trainer",
        [
            "--problem=algorithmic_reverse_binary40_test",
            "--data_dir={data}",
            "--output_dir={tmp}/o",
            "--hparams=moving_average_decay=1.5",
        ],
        ["--hparams", "moving_average_decay=1.5 must be in (0, 1)"],
    ),
    (
        "t2t-trainer",
        [
            "--problem=algorithmic_reverse_binary40_test",
            "--data_dir={data}",
            "--output_dir={tmp}/o",
            "--eval_early_stopping_metric=metrics-algorithmic_reverse_binary40_test/targets/blue",
        ],
        ["--eval_early_stopping_metric=", "targets/approx_bleu_score"],
    ),
    (
        "t2t-datagen",
        ["--problem=algorithmic_reverse_binary40", "--data_dir={tmp}/d", "--random_seed=x"],
        ["--random_seed"],
    ),
    (
        "t2t-datagen",
        ["--problem=algorithmic_reverse_binary40", "--data_dir={tmp}/d", "--max_cases=-1"],
        ["--max_cases"],
    ),
    (
        "t2t-datagen",
        ["--problem=algorithmic_revers_binary40", "--data_dir={tmp}/d"],
        ["algorithmic_revers_binary40"],
    ),
    ("t2t-datagen", ["--problem=algorithmic_reverse_binary40"], ["--data_dir"]),
    ("t2t-datagen", ["--data_dir={tmp}/d"], ["--problem"]),
    (
        "t2t-datagen",
        [
            "--problem=translate_parallel_text",
            "--data_dir={tmp}/d",
            "--train_source={tmp}/none.en",
            "--train_target={tmp}/none.de",
        ],
        ["{tmp}/none.en"],
    ),
    (
        "t2t-datagen",
        ["--problem=algorithmic_reverse_binary40", "--data_dir={tmp}/d", "--approx_vocab_size=10"],
        ["--approx_vocab_size"],
    ),
    (
        "t2t-datagen",
        [
            "--problem=algorithmic_reverse_binary40",
            "--data_dir={tmp}/d",
            "--t2t_usr_dir={tmp}/nowhere",
        ],
        ["{tmp}/nowhere"],
    ),
    (
        "t2t-datagen",
        ["--problem=algorithmic_reverse_binary40", "--data_dir={tmp}/d", "--no_such_flag=1"],
        ["no_such_flag"],
    ),
    (
        "t2t-trainer",
        [
            "--problem=algorithmic_reverse_binary40_test",
            "--data_dir={data}",
            "--output_dir={tmp}/o",
            "--train_steps=ten",
        ],
        ["--train_steps"],
    ),
    (
        "t2t-trainer",
        [
            "--problem=algorithmic_reverse_binary40_test",
            "--data_dir={data}",
            "--output_dir={tmp}/o",
            "--train_steps=-3",
        ],
        ["--train_steps"],
    ),
    (
        "t2t-trainer",
        [
            "--problem=algorithmic_reverse_binary40_test",
            "--data_dir={data}",
            "--output_dir={tmp}/o",
            "--local_eval_frequency=0",
        ],
        ["--local_eval_frequency"],
    ),
    (
        "t2t-trainer",
        [
            "--problem=algorithmic_reverse_binary40_test",
            "--data_dir={data}",
            "--output_dir={tmp}/o",
            "--hparams_set=transformer_tinyy",
        ],
        ["transformer_tinyy", "did you mean transformer_tiny"],
    ),
    (
        "t2t-trainer",
        ["--problem=algorithmic_reverse_binary4", "--data_dir={data}", "--output_dir={tmp}/o"],
        ["algorithmic_reverse_binary4"],
    ),
    (
        "t2t-trainer",
        [
            "--problem=algorithmic_reverse_binary40_test",
            "--data_dir={data}",
            "--output_dir={tmp}/o",
            "--hparams=hiden_size=8",
        ],
        ["--hparams", "hiden_size"],
    ),
    (
        "t2t-trainer",
        [
            "--problem=algorithmic_reverse_binary40_test",
            "--data_dir={data}",
            "--output_dir={tmp}/o",
            "--hparams=hidden_size=big",
        ],
        ["--hparams", "hidden_size"],
    ),
    (
        "t2t-trainer",
        [
            "--problem=algorithmic_reverse_binary40_test",
            "--data_dir={data}",
            "--output_dir={tmp}/o",
            "--hparams=learning_rate_schedule=cosine",
        ],
        ["cosine"],
    ),
    (
        "t2t-trainer",
        [
            "--problem=algorithmic_reverse_binary40_test",
            "--data_dir={data}",
            "--output_dir={tmp}/o",
            "--schedule=forever",
        ],
        ["--schedule"],
    ),
    (
        "t2t-trainer",
        [
            "--problem=algorithmic_reverse_binary40_test",
            "--data_dir={data}",
            "--output_dir={tmp}/o",
            "--mixed_precision=fp8",
        ],
        ["--mixed_precision"],
    ),
    (
        "t2t-trainer",
        [
            "--problem=algorithmic_reverse_binary40_test",
            "--data_dir={data}",
            "--output_dir={tmp}/o",
            "--distribution_strategy=ring",
        ],
        ["--distribution_strategy"],
    ),
    (
        "t2t-trainer",
        [
            "--problem=algorithmic_reverse_binary40_test",
            "--data_dir={data}",
            "--output_dir={tmp}/o",
            "--num_gpus=4",
        ],
        ["--num_gpus=4"],
    ),
    (
        "t2t-trainer",
        [
            "--problem=algorithmic_reverse_binary40_test",
            "--data_dir={tmp}/empty",
            "--output_dir={tmp}/o",
        ],
        ["--data_dir={tmp}/empty"],
    ),
    (
        "t2t-trainer",
        [
            "--problem=algorithmic_reverse_binary40_test",
            "--data_dir={data}",
            "--output_dir={tmp}/o",
            "--warm_start_from={tmp}/none",
        ],
        ["{tmp}/none"],
    ),
    (
        "t2t-trainer",
        ["--problem=algorithmic_reverse_binary40_test", "--data_dir={data}"],
        ["--output_dir"],
    ),
    (
        "t2t-decoder",
        ["--data_dir={data}", "--output_dir={run}", "--decode_from_file={tmp}/none.txt"],
        ["--decode_from_file={tmp}/none.txt", "no such file"],
    ),
    (
        "t2t-decoder",
        [
            "--data_dir={data}",
            "--output_dir={run}",
            "--decode_from_file={text}",
            "--decode_hparams=beam_size=0",
        ],
        ["--decode_hparams", "beam_size"],
    ),
    (
        "t2t-decoder",
        [
            "--data_dir={data}",
            "--output_dir={run}",
            "--decode_from_file={text}",
            "--decode_hparams=alpha=high",
        ],
        ["--decode_hparams", "alpha"],
    ),
    (
        "t2t-decoder",
        ["--data_dir={data}", "--output_dir={tmp}", "--decode_from_file={text}"],
        ["hparams.json"],
    ),
    (
        "t2t-decoder",
        [
            "--data_dir={data}",
            "--output_dir={run}",
            "--decode_from_file={text}",
            "--checkpoint_path={tmp}/ckpt-9",
        ],
        ["{tmp}/ckpt-9", "not found"],
    ),
    (
        "t2t-decoder",
        [
            "--data_dir={data}",
            "--output_dir={run}",
            "--decode_from_file={text}",
            "--decode_to_file={tmp}/empty",
        ],
        ["{tmp}/empty"],
    ),
    (
        "t2t-decoder",
        [
            "--data_dir={data}",
            "--output_dir={run}",
            "--decode_from_file={text}",
            "--hparams=hidden_sise=3",
        ],
        ["--hparams", "hidden_sise"],
    ),
    (
        "t2t-decoder",
        ["--data_dir={data}", "--output_dir={run}", "--decode_from_file={text}", "--xla=maybe"],
        ["--xla"],
    ),
    (
        "t2t-exporter",
        ["--data_dir={data}", "--output_dir={run}", "--export_dir={tmp}/e", "--version=-1"],
        ["--version"],
    ),
    (
        "t2t-exporter",
        ["--data_dir={data}", "--output_dir={run}", "--export_dir={tmp}/e", "--version=one"],
        ["--version"],
    ),
    (
        "t2t-exporter",
        [
            "--data_dir={data}",
            "--output_dir={run}",
            "--export_dir={tmp}/e",
            "--decode_hparams=extra_length=-5",
        ],
        ["--decode_hparams", "extra_length"],
    ),
    (
        "t2t-exporter",
        [
            "--data_dir={data}",
            "--output_dir={run}",
            "--export_dir={tmp}/e",
            "--checkpoint_path={tmp}/none",
        ],
        ["{tmp}/none"],
    ),
    # No --data_dir: the run's own directory holds the vocabulary, or none is needed.
    ("t2t-exporter", ["--export_dir={tmp}/e"], ["--output_dir is required"]),
    (
        "t2t-exporter",
        ["--data_dir={data}", "--output_dir={tmp}", "--export_dir={tmp}/e"],
        ["hparams.json"],
    ),
    ("t2t-bleu", ["--translation={tmp}/none.txt", "--reference={text}"], ["{tmp}/none.txt"]),
    (
        "t2t-bleu",
        ["--translation={text}", "--reference={text}", "--tokenize=moses"],
        ["--tokenize", "moses"],
    ),
    ("t2t-bleu", ["--translation={text}"], ["--reference"]),
    ("t2t-avg-all", ["--model_dir={run}", "--output_dir={tmp}/avg", "--n=0"], ["--n"]),
    ("t2t-avg-all", ["--model_dir={run}", "--output_dir={tmp}/avg", "--n=two"], ["--n"]),
    ("t2t-avg-all", ["--model_dir={tmp}/none", "--output_dir={tmp}/avg"], ["{tmp}/none"]),
    ("t2t-avg-all", ["--model_dir={run}", "--output_dir={run}"], ["--output_dir"]),
]


def case_id(case) -> str:
    binary, args, _ = case
    return f"{binary}:{args[-1].split('=')[0].lstrip('-')}"


@pytest.mark.parametrize("case", CASES, ids=[f"{i}-{case_id(c)}" for i, c in enumerate(CASES)])
def test_bad_input_is_named_and_writes_nothing(case, reverse_run, tmp_path):
    binary, args, fragments = case
    data_dir, run_dir = reverse_run
    (tmp_path / "empty").mkdir()
    text = tmp_path / "text.txt"
    text.write_text("1 0 1\n0 1\n")
    values = {"data": str(data_dir), "run": str(run_dir), "tmp": str(tmp_path), "text": str(text)}
    before_run = sorted(os.listdir(run_dir))
    before_tmp = sorted(os.listdir(tmp_path))
    result = run_binary(binary, *(a.format(**values) for a in args), timeout=120)
    assert_fails(result, *(f.format(**values) for f in fragments))
    assert sorted(os.listdir(run_dir)) == before_run
    assert sorted(os.listdir(tmp_path)) == before_tmp
