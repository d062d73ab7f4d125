"""A user's own parallel text, as the README tells them to use it: its commands run as
written (datagen, trainer, decoder, exporter, a query of the export), and a corpus
with a train split alone trains with --schedule=train while evaluation names the
missing dev split."""

import pathlib
import random
import re
import shlex
import subprocess

import pytest

from binaries import SCRIPTS, binary_env
from test_decoder_binary import assert_fails

# Runs binaries or trains models in subprocesses: `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
WORDS = [
    "a",
    "the",
    "dog",
    "cat",
    "man",
    "woman",
    "runs",
    "sleeps",
    "reads",
    "on",
    "in",
    "park",
    "beach",
    "book",
    "red",
    "blue",
]
# The README trains for real; here a few steps show that the commands work together.
TRAIN_STEPS = "--train_steps=3"


def readme_user_data_commands() -> list[list[str]]:
    """The README's shell block that starts with the parallel-text datagen command, as
    argument lists (backslash continuations joined)."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    [block] = [b for b in blocks if b.startswith("t2t-datagen --problem=translate_parallel_text")]
    lines = block.replace("\\\n", " ").splitlines()
    return [
        shlex.split(line, comments=True)
        for line in lines
        if line.strip() and not line.startswith("#")
    ]


def write_corpus(directory: pathlib.Path, splits=("train", "dev", "test")) -> None:
    """`<split>.en` / `<split>.de` files: made-up sentences, the German side reversed."""
    rng = random.Random(3)
    for split, count in (("train", 200), ("dev", 20), ("test", 10)):
        if split not in splits:
            continue
        sources = [
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 7))) + " ."
            for _ in range(count)
        ]
        (directory / f"{split}.en").write_text("".join(s + "\n" for s in sources), encoding="utf-8")
        (directory / f"{split}.de").write_text(
            "".join(" ".join(reversed(s.split())) + "\n" for s in sources), encoding="utf-8"
        )


def run(command: list[str], cwd: pathlib.Path) -> subprocess.CompletedProcess:
    """A command as a shell would run it there: `~` is the test's home directory."""
    home = cwd / "home"
    args = [re.sub(r"(^|=)~/", rf"\g<1>{home}/", a) for a in command[1:]]
    return subprocess.run(
        [str(SCRIPTS / command[0]), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env=binary_env({"HOME": str(home)}),
    )


def test_the_readme_commands_run_end_to_end(tmp_path):
    commands = readme_user_data_commands()
    assert [c[0] for c in commands] == [
        "t2t-datagen",
        "t2t-trainer",
        "t2t-decoder",
        "t2t-exporter",
        "t2t-query-export",
    ]
    write_corpus(tmp_path)
    (tmp_path / "home").mkdir()
    results = {}
    for command in commands:
        if command[0] == "t2t-trainer":
            command = command + [TRAIN_STEPS]
        results[command[0]] = run(command, tmp_path)
        assert results[command[0]].returncode == 0, (command, results[command[0]].stderr[-3000:])
    assert "eval at step 3" in results["t2t-trainer"].stdout  # the dev split was found
    decoded = (tmp_path / "test.de.out").read_text(encoding="utf-8").split("\n")
    assert len(decoded) == 11 and decoded[-1] == ""
    assert "Served by " in results["t2t-query-export"].stdout
    assert "'A dog runs on the beach.' -> '" in results["t2t-query-export"].stdout


@pytest.fixture(scope="module")
def train_only(tmp_path_factory):
    directory = tmp_path_factory.mktemp("train_only")
    write_corpus(directory, splits=("train",))
    result = run(
        [
            "t2t-datagen",
            "--problem=translate_parallel_text",
            "--data_dir=data",
            "--train_source=train.en",
            "--train_target=train.de",
            "--approx_vocab_size=300",
        ],
        directory,
    )
    assert result.returncode == 0, result.stderr
    return directory


TRAINER = [
    "t2t-trainer",
    "--problem=translate_parallel_text",
    "--hparams_set=transformer_tiny",
    "--hparams=hidden_size=32,filter_size=64,num_heads=2,num_hidden_layers=1,batch_size=256",
    "--data_dir=data",
    "--output_dir=run",
    TRAIN_STEPS,
]


def test_train_only_data_trains_and_decodes_a_file(train_only):
    result = run([*TRAINER, "--schedule=train"], train_only)
    assert result.returncode == 0, result.stderr
    (train_only / "in.en").write_text("a dog runs .\n", encoding="utf-8")
    decoded = run(
        [
            "t2t-decoder",
            "--data_dir=data",
            "--output_dir=run",
            "--decode_from_file=in.en",
            "--decode_to_file=out.de",
        ],
        train_only,
    )
    assert decoded.returncode == 0, decoded.stderr
    assert len((train_only / "out.de").read_text(encoding="utf-8").splitlines()) == 1


def test_evaluation_without_a_dev_split_names_it_and_writes_nothing(train_only):
    result = run([*TRAINER, "--output_dir=evaluated"], train_only)  # train_and_evaluate
    assert_fails(
        result,
        "no dev split of translate_parallel_text",
        "--schedule=train_and_evaluate",
        "splits there: train",
    )
    assert not (train_only / "evaluated").exists()


def test_decoding_the_missing_dev_split_names_it(train_only):
    if not (train_only / "run").exists():
        assert run([*TRAINER, "--schedule=train"], train_only).returncode == 0
    result = run(["t2t-decoder", "--data_dir=data", "--output_dir=run"], train_only)
    assert_fails(result, "no dev split of translate_parallel_text", "decoding the dev split")
