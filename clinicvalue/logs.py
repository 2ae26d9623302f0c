"""What the command line says: results on stdout, warnings and errors on stderr.

Everything goes through :mod:`logging` under the ``clinicvalue`` logger, so a monthly
job's log or a notebook can take the same messages with its own handlers. ``--quiet``
keeps only errors (and turns progress bars off); ``--verbose`` adds debug detail.
"""

from __future__ import annotations

import logging
import sys

from clinicvalue.progress import silence

__all__ = ["LOGGER", "configure"]

LOGGER = logging.getLogger("clinicvalue")


class _Console(logging.StreamHandler):  # type: ignore[type-arg]
    """A handler writing to whatever ``sys.stdout`` / ``sys.stderr`` is at the time."""

    def __init__(self, stream_name: str) -> None:
        super().__init__()
        self._stream_name = stream_name

    @property  # type: ignore[override]
    def stream(self):  # noqa: ANN201 - the StreamHandler attribute
        return getattr(sys, self._stream_name)

    @stream.setter
    def stream(self, value: object) -> None:
        pass


def configure(*, quiet: bool = False, verbose: bool = False) -> None:
    """Send INFO and DEBUG to stdout, WARNING and above to stderr, at the chosen level."""
    for handler in list(LOGGER.handlers):
        if isinstance(handler, _Console):
            LOGGER.removeHandler(handler)
    out = _Console("stdout")
    out.addFilter(lambda record: record.levelno < logging.WARNING)
    err = _Console("stderr")
    err.setLevel(logging.WARNING)
    for handler in (out, err):
        handler.setFormatter(logging.Formatter("%(message)s"))
        LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.ERROR if quiet else logging.DEBUG if verbose else logging.INFO)
    LOGGER.propagate = False
    silence(quiet)
