"""Problems (datasets), their vocabularies and class labels, TFRecord files and the tf.data
input pipeline.

Importing the package registers the built-in problems.
"""

from t2t_lite.ids import EOS_ID, NUM_RESERVED_IDS, PAD_ID
from t2t_lite.problems import (  # noqa: F401  (registration)
    algorithmic,
    image_datasets,
    language_model,
    multi30k,
    parallel_text,
    text2image,
    text_classification,
    wmt,
)
from t2t_lite.problems.class_labels import ClassLabels
from t2t_lite.problems.image_problem import ImageClassificationProblem
from t2t_lite.problems.input_pipeline import bucket_batch_sizes, bucket_boundaries, make_dataset
from t2t_lite.problems.problem import DEV, TEST, TRAIN, Problem
from t2t_lite.problems.registry import get_problem, list_problems, register_problem
from t2t_lite.problems.t2t_subwords import T2TSubwordVocabulary
from t2t_lite.problems.text_problem import LanguageModelProblem, Text2TextProblem, TextProblem
from t2t_lite.problems.vocabulary import (
    IntegerSymbolVocabulary,
    StoredVocabulary,
    SubwordVocabulary,
    Vocabulary,
    VocabularyResources,
    register_vocabulary,
    vocabulary_type,
)

__all__ = [
    "DEV",
    "EOS_ID",
    "NUM_RESERVED_IDS",
    "PAD_ID",
    "TEST",
    "TRAIN",
    "ClassLabels",
    "ImageClassificationProblem",
    "IntegerSymbolVocabulary",
    "LanguageModelProblem",
    "Problem",
    "StoredVocabulary",
    "SubwordVocabulary",
    "T2TSubwordVocabulary",
    "Text2TextProblem",
    "TextProblem",
    "Vocabulary",
    "VocabularyResources",
    "bucket_batch_sizes",
    "bucket_boundaries",
    "get_problem",
    "list_problems",
    "make_dataset",
    "register_problem",
    "register_vocabulary",
    "vocabulary_type",
]
