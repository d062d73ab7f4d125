"""SIGTERM as a request to stop: the trainer checks the flag between steps, saves a
checkpoint and returns, so a preempted job exits cleanly with status 0."""

import signal
import threading


class SigtermFlag:
    """Context manager: while active, SIGTERM sets `received` instead of killing the
    process. Outside the main thread (where handlers cannot be installed) it does nothing.
    """

    def __init__(self):
        self.received = False
        self._previous = None

    def _handle(self, signum, frame):
        self.received = True

    def __enter__(self) -> "SigtermFlag":
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGTERM, self._handle)
        return self

    def __exit__(self, *exc_info) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGTERM, self._previous)
            self._previous = None
