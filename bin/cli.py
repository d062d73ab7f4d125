"""What every binary shares: quiet TensorFlow logs, `--help` that lists the binary's own
flags, and one-line errors with exit code 1.

Nothing here imports TensorFlow at module level: `--help` and flag errors answer before
any binary loads it.
"""

import os
import sys
from collections.abc import Callable


def quiet_tensorflow() -> None:
    """Hides TensorFlow's C++ info lines and puts Keras on its TensorFlow backend (set
    before either is imported): the binaries train, decode and export with TensorFlow,
    whatever backend a user's environment or ~/.keras/keras.json names for their own
    Keras code."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ["KERAS_BACKEND"] = "tensorflow"


def check_args(argv: list[str], *required: str) -> None:
    """Usage errors for positional arguments and for each required flag left empty."""
    from absl import app, flags

    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    for name in required:
        if not flags.FLAGS[name].value:
            raise app.UsageError(f"--{name} is required")


def normalized_path(path: str) -> str:
    """`path` with `~` expanded, and made absolute when it is local (a `gs://` URL stays
    as given), for comparing two directory flags."""
    path = os.path.expanduser(path)
    return os.path.abspath(path) if "://" not in path else path.rstrip("/")


def decode_hparams_flag(value: str, model_hparams=None):
    """`--decode_hparams` parsed over the sampling hparams of `model_hparams` (a run's),
    its errors naming the flag."""
    from t2t_lite.decoding import decode_hparams
    from t2t_lite.hparams import HParamsError

    try:
        return decode_hparams(value, model_hparams)
    except HParamsError as error:
        raise HParamsError(f"--decode_hparams={value!r}: {error}") from None


def _show_module_in_help(module) -> None:
    """Makes absl's `--help` show `module`'s docstring and flags.

    absl describes the script it runs (`sys.argv[0]`, `__main__`); a console script's
    wrapper is neither the module that defines the flags nor documented.
    """
    from absl import flags

    main = sys.modules["__main__"]
    if main is not module:
        main.__doc__ = module.__doc__
        for flag in flags.FLAGS.get_key_flags_for_module(module.__name__):
            flags.FLAGS.register_key_flag_for_module(sys.argv[0], flag)


def fail(message: str) -> None:
    """Exits with status 1 after `prog: error: message` on stderr."""
    print(f"{os.path.basename(sys.argv[0])}: error: {message}", file=sys.stderr)
    sys.exit(1)


def run(main: Callable[[list[str]], None]) -> None:
    """`absl.app.run(main)`, turning t2t_lite's input errors into `prog: error: message`
    on stderr and exit status 1, without a traceback."""
    from absl import app

    _show_module_in_help(sys.modules[main.__module__])

    def guarded_main(argv):
        try:
            main(argv)
        except Exception as error:
            # Looked up, not imported: importing t2t_lite loads TensorFlow, which a
            # binary that never did (t2t-query-export, a flag error) must not wait for.
            errors = sys.modules.get("t2t_lite.errors")
            if errors is None or not isinstance(error, errors.T2TLiteError):
                raise
            fail(str(error))

    app.run(guarded_main)
