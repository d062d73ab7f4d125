"""`decoding.decode_dev_split` in-process, on a trained run: its exact-match count and
truncation against a row-by-row reference, and the files it writes."""

import numpy as np
import pytest

from t2t_lite import decoding, models, runs
from t2t_lite.problems import get_problem

from decode_runs import REVERSE_PROBLEM

# Trains a model in a subprocess (the shared session run): `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

EOS = models.EOS_ID


def test_dev_split_report_and_files(reverse_run, tmp_path):
    data_dir, output_dir = reverse_run
    hparams = runs.load_run_hparams(output_dir)
    model = runs.load_trained_model(hparams, runs.find_checkpoint(output_dir))
    problem = get_problem(REVERSE_PROBLEM)
    vocabulary = problem.feature_vocabulary(data_dir)
    strategy = decoding.GreedySearch(extra_length=5)
    max_length, samples = 9, 40  # dev inputs run longer than 9 ids: some get cut
    base = str(tmp_path / "dev.decodes")

    report = decoding.decode_dev_split(
        problem,
        data_dir,
        vocabulary,
        decoding.IdDecoder(model, strategy),
        max_length,
        16,
        base,
        samples,
    )

    examples = list(problem.read_examples(data_dir))[:samples]
    exact = truncated = 0
    for inputs, targets in examples:
        # The rule written out: inputs end in EOS; longer than max_length, keep the
        # first max_length - 1 ids and the EOS.
        fitted = inputs if len(inputs) <= max_length else inputs[: max_length - 1] + [EOS]
        truncated += fitted != inputs
        ids, _ = decoding.decode_ids(model, np.array([fitted], np.int32), strategy)
        exact += decoding.cut_at_eos(ids.numpy()[0]) == targets
    assert 0 < truncated < samples
    assert (report.total, report.exact, report.truncated) == (samples, exact, truncated)
    assert report.summary().startswith(f"Decoded {samples} dev examples to {base}: {exact} exact")

    def symbols(ids):  # the algorithmic text form: symbol = id - 2, EOS dropped
        return " ".join(str(i - 2) for i in ids if i != EOS)

    lines = {
        suffix: (tmp_path / f"dev.decodes{suffix}").read_text().splitlines()
        for suffix in ("", ".inputs", ".targets")
    }
    assert lines[".inputs"] == [symbols(i) for i, _ in examples]
    assert lines[".targets"] == [symbols(t) for _, t in examples]
    assert len(lines[""]) == samples
    assert sum(a == b for a, b in zip(lines[""], lines[".targets"], strict=True)) == exact
