"""What every binary shares: quiet TensorFlow logs and one-line errors with exit code 1."""

import os
import sys
from collections.abc import Callable


def quiet_tensorflow() -> None:
    """Hides TensorFlow's C++ info lines (set before TensorFlow is imported)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


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
