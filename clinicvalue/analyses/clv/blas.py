"""The lifetime-value fits and forecasts run with one BLAS thread.

Their matrix work is dot products over a few hundred thousand histories and the
optimiser's 4 × 4 updates, called hundreds of times per fit. OpenBLAS splits each across
its threads, and waking them costs more than the product: on a 2-core machine the visit
models' fits on a million patients took 1.1–1.4× as long with OpenBLAS's default threads
as with one. The limit holds only while a decorated function runs (threadpoolctl restores
the caller's setting), so a notebook's own linear algebra keeps its threads. The BLAS
libraries are looked up once, at the first call (numpy's and scipy's are loaded by then):
a fresh look-up costs a few milliseconds, and the fits are called dozens of times a run.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from threadpoolctl import ThreadpoolController

__all__ = ["one_blas_thread"]

P = ParamSpec("P")
R = TypeVar("R")


@functools.cache
def _controller() -> ThreadpoolController:
    return ThreadpoolController()


def one_blas_thread(fn: Callable[P, R]) -> Callable[P, R]:
    """Return ``fn`` run with BLAS limited to one thread (restored on return)."""

    @functools.wraps(fn)
    def limited(*args: P.args, **kwargs: P.kwargs) -> R:
        with _controller().limit(limits=1, user_api="blas"):
            return fn(*args, **kwargs)

    return limited
