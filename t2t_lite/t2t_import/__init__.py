"""What a Tensor2Tensor user brings: T2T runs (hparams.json, flags.txt, checkpoints)
read into t2t_lite runs, and T2T's hparams mapped with nothing silently dropped.

T2T's vocabularies and data_dirs are read by `t2t_lite.problems` (`t2t_subwords`,
`t2t_data_dir`), which every run uses.
"""

from t2t_lite.utils.backend import require_tensorflow_backend

require_tensorflow_backend("t2t_lite.t2t_import")

from t2t_lite.t2t_import.checkpoint_weights import t2t_model_weights
from t2t_lite.t2t_import.hparams_map import (
    HONOURED,
    IMPORT_HPARAMS_SET,
    NO_EFFECT,
    REQUIRED,
    convert_t2t_hparams,
)
from t2t_lite.t2t_import.run_import import (
    import_t2t_run,
    is_t2t_run,
    load_t2t_weights,
    read_t2t_flags,
    read_t2t_run,
)

__all__ = [
    "HONOURED",
    "IMPORT_HPARAMS_SET",
    "NO_EFFECT",
    "REQUIRED",
    "convert_t2t_hparams",
    "import_t2t_run",
    "is_t2t_run",
    "load_t2t_weights",
    "read_t2t_flags",
    "read_t2t_run",
    "t2t_model_weights",
]
