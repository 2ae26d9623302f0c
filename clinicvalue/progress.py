"""Progress bars for slow steps, in a terminal and in executed notebooks.

Plain ``tqdm.std`` bars written to stderr (never the notebook widgets, which an
executed-then-rendered notebook cannot show). Bars are off when stderr is not a
terminal, so logs and CI output stay clean, unless forced with ``enabled=True`` or the
environment variable ``CLINICVALUE_PROGRESS=1`` (``0`` turns them off everywhere).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import IO, TypeVar

from tqdm.std import tqdm

__all__ = ["progress", "step", "bars_enabled", "silence"]

T = TypeVar("T")

ENV_VAR = "CLINICVALUE_PROGRESS"
_silenced = False


def silence(on: bool = True) -> None:
    """Turn every bar off in this process (``--quiet``), or back to the usual rule."""
    global _silenced
    _silenced = on


def bars_enabled(enabled: bool | None = None, *, file: IO[str] | None = None) -> bool:
    """Decide whether to draw bars.

    ``enabled`` wins when given; then ``--quiet`` (:func:`silence`); then the
    ``CLINICVALUE_PROGRESS`` environment variable
    (``1``/``0``); otherwise bars show only when ``file`` (stderr by default) is a TTY.
    """
    if enabled is not None:
        return enabled
    if _silenced:
        return False
    env = os.environ.get(ENV_VAR, "").strip().lower()
    if env in {"1", "true", "yes", "on"}:
        return True
    if env in {"0", "false", "no", "off"}:
        return False
    stream = file if file is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # closed stream
        return False


def progress(
    iterable: Iterable[T] | int | None = None,
    *,
    desc: str = "",
    total: int | None = None,
    unit: str = "it",
    enabled: bool | None = None,
    file: IO[str] | None = None,
) -> tqdm:
    """Wrap an iterable (or a total count) in a stderr progress bar.

    Parameters
    ----------
    iterable
        What to iterate over, or an ``int`` total for a bar updated by hand
        (``bar.update(n)``).
    desc
        The label before the bar.
    total
        The number of items when ``iterable`` has no length.
    unit
        The item unit shown in the rate.
    enabled
        Force bars on or off; by default on only when stderr is a terminal.
    file
        Where to write (stderr by default).

    Returns
    -------
    tqdm.std.tqdm
        Iterate over it, or use it as a context manager and call ``update``.
    """
    if isinstance(iterable, int) and not isinstance(iterable, bool):
        total, iterable = iterable, None
    stream = file if file is not None else sys.stderr
    return tqdm(
        iterable,
        desc=desc,
        total=total,
        unit=unit,
        file=stream,
        disable=not bars_enabled(enabled, file=stream),
        dynamic_ncols=True,
        leave=True,
    )


@contextmanager
def step(desc: str, *, enabled: bool | None = None, file: IO[str] | None = None) -> Iterator[tqdm]:
    """Show one named step with its elapsed time while the block runs.

    The bar has a single unit of work that completes when the block exits normally, so
    a run of steps reads as a checklist with timings::

        with step("summary"):
            summary = summarize(visits, as_of)
    """
    stream = file if file is not None else sys.stderr
    bar = tqdm(
        total=1,
        desc=desc,
        file=stream,
        disable=not bars_enabled(enabled, file=stream),
        bar_format="{desc}: {elapsed} {postfix}",
        leave=True,
    )
    start = time.perf_counter()
    try:
        yield bar
    except BaseException:
        bar.set_postfix_str("failed", refresh=False)
        bar.close()
        raise
    bar.update(1)
    bar.set_postfix_str(f"done in {time.perf_counter() - start:.1f}s", refresh=False)
    bar.close()
