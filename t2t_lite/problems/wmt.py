"""WMT'14 English -> German from tensorflow-datasets (`wmt14_translate/de-en`)."""

from t2t_lite.errors import DataError
from t2t_lite.problems.problem import DEV, TEST, TRAIN
from t2t_lite.problems.registry import register_problem
from t2t_lite.problems.text_problem import Text2TextProblem

TFDS_NAME = "wmt14_translate/de-en"
TFDS_SPLITS = {TRAIN: "train", DEV: "validation", TEST: "test"}


@register_problem
class TranslateEndeWmt32k(Text2TextProblem):
    """WMT'14 En->De (newstest2013 as dev, newstest2014 as test), 32k joint subwords.

    Reads the prepared TFDS dataset under `tmp_dir` (its TFDS data_dir); it never
    downloads, so prepare it once with `tfds build wmt14_translate/de-en --data_dir=<tmp_dir>`.
    """

    approx_vocab_size = 32768
    num_shards = {TRAIN: 100, DEV: 1, TEST: 1}

    def text_pairs(self, split: str, tmp_dir: str) -> list[tuple[str, str]]:
        import tensorflow_datasets as tfds  # slow to import; only this problem needs it

        builder = tfds.builder(TFDS_NAME, data_dir=tmp_dir)
        try:
            dataset = builder.as_dataset(split=TFDS_SPLITS[split])
        except (AssertionError, tfds.core.DatasetNotFoundError) as error:
            raise DataError(
                f"TFDS dataset {TFDS_NAME} is not prepared under --tmp_dir={tmp_dir} ({error}); "
                f"prepare it with: tfds build {TFDS_NAME} --data_dir={tmp_dir}"
            ) from None
        pairs = []
        for example in tfds.as_numpy(dataset):
            source = example["en"].decode("utf-8").strip()
            target = example["de"].decode("utf-8").strip()
            if source and target:
                pairs.append((source, target))
        return pairs
