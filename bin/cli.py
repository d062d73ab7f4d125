"""What every binary shares: quiet TensorFlow logs and one-line errors with exit code 1."""

import os
import sys
from collections.abc import Callable


def quiet_tensorflow() -> None:
    """Hides TensorFlow's C++ info lines (set before TensorFlow is imported)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def check_args(argv: list[str], *required: str) -> None:
    """Usage errors for positional arguments and for each required flag left empty."""
    from absl import app, flags

    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    for name in required:
        if not flags.FLAGS[name].value:
            raise app.UsageError(f"--{name} is required")


def decode_hparams_flag(value: str):
    """`--decode_hparams` parsed, its errors naming the flag."""
    from t2t_lite.decoding import decode_hparams
    from t2t_lite.hparams import HParamsError

    try:
        return decode_hparams(value)
    except HParamsError as error:
        raise HParamsError(f"--decode_hparams={value!r}: {error}") from None


def run(main: Callable[[list[str]], None]) -> None:
    """`absl.app.run(main)`, turning t2t_lite's input errors into `prog: error: message`
    on stderr and exit status 1, without a traceback."""
    from absl import app

    from t2t_lite.errors import T2TLiteError

    def guarded_main(argv):
        try:
            main(argv)
        except T2TLiteError as error:
            prog = os.path.basename(sys.argv[0])
            print(f"{prog}: error: {error}", file=sys.stderr)
            sys.exit(1)

    app.run(guarded_main)
