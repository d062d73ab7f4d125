import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(1234)


@pytest.fixture(scope="session")
def reverse_run(tmp_path_factory):
    """`(data_dir, output_dir)` of a small model trained to reverse binary strings."""
    from decode_runs import train_reverse_run

    return train_reverse_run(tmp_path_factory.mktemp("reverse"))


@pytest.fixture(scope="session")
def text_run(tmp_path_factory):
    """`(data_dir, output_dir)` of a tiny subword translation model."""
    from decode_runs import train_text_run

    return train_text_run(tmp_path_factory.mktemp("text"))
