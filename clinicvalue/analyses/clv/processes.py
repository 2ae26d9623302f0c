"""One interface over the visit models: fit, P(alive) and expected visits by name.

The lifetime-value model and the holdout comparison both need "fit this visit model on
these histories, then forecast": :func:`fit_visits`, :func:`alive` and
:func:`expected` do that for BG/NBD, Pareto/NBD and MBG/CNBD-k alike, with parameters
as a plain dict (MBG/CNBD-k's Erlang order under ``"k"``), so callers never branch on
the model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clinicvalue.analyses.clv.bgnbd import (
    bgnbd_expected_many,
    bgnbd_p_alive,
    condense,
    run_ladder,
)
from clinicvalue.analyses.clv.blas import one_blas_thread
from clinicvalue.analyses.clv.cnbd import (
    cnbd_curvature,
    cnbd_expected_many,
    cnbd_p_alive,
    fit_cnbd,
    fit_cnbd_near,
)
from clinicvalue.analyses.clv.pareto import (
    fit_pareto_nbd,
    pareto_curvature,
    pareto_expected_many,
    pareto_p_alive,
)
from clinicvalue.errors import ConvergenceError, InputError

__all__ = ["VISIT_MODELS", "MODEL_NAMES", "fit_visits", "alive", "expected"]

VISIT_MODELS = ("bgnbd", "pareto_nbd", "mbg_cnbd_k")
#: above this many patients, Pareto/NBD and MBG/CNBD-k start from a fit on a sample of
#: this size (and MBG/CNBD-k searches its rhythm k there, then tries k ± 1 on everyone)
WARM_START_PATIENTS = 50_000
WARM_START_SEED = 20050101
#: how the report and the metrics name each model
MODEL_NAMES = {"bgnbd": "BG/NBD", "pareto_nbd": "Pareto/NBD", "mbg_cnbd_k": "MBG/CNBD-k"}


def _check(model: str) -> str:
    if model not in VISIT_MODELS:
        raise InputError(f"unknown visit model {model!r}; use one of {', '.join(VISIT_MODELS)}")
    return model


@one_blas_thread
def fit_visits(
    model: str, x, t_x, T, *, litt=None, penalizer: float = 0.0, k: int | None = None
) -> dict[str, float]:
    """Fit ``model`` on per-patient histories and return its parameters.

    Parameters
    ----------
    model
        ``bgnbd``, ``pareto_nbd`` or ``mbg_cnbd_k``.
    x, t_x, T
        Repeat visits, time of the last visit and age per patient, in one time unit.
    litt
        Sum of the logs of each patient's times between visits; needed by MBG/CNBD-k
        (whose ``k`` is estimated and returned under ``"k"``).
    penalizer
        BG/NBD's L2 penalizer (the other models are fitted unpenalised).
    k
        MBG/CNBD-k's Erlang order, when it is already known; estimated otherwise.

    Raises
    ------
    ConvergenceError
        When no patient has a repeat visit, or the fit finds no optimum.
    """
    _check(model)
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    if not np.any(x > 0):
        raise ConvergenceError("no patient has a repeat visit; the visit model cannot be fitted")
    if model == "bgnbd":
        table = condense(
            pd.DataFrame({"frequency": x, "recency": t_x, "T": T}), ["frequency", "recency", "T"]
        )
        return dict(run_ladder("bgnbd", table, penalizer).params)
    sample = _warm_start_sample(len(x))
    if model == "pareto_nbd":  # above the warm-start size, from samples of it and a tenth
        sizes = (WARM_START_PATIENTS, WARM_START_PATIENTS // 10)
        return dict(_pareto_from_samples(x, t_x, T, sizes))
    if litt is None:
        raise InputError("MBG/CNBD-k needs each patient's log inter-visit times (litt)")
    litt = np.where(x > 0, np.asarray(litt, dtype="float64"), 0.0)
    orders: int | list[int] | None = None if k is None else int(k)
    if sample is None:
        cn = fit_cnbd(x, t_x, T, litt, k=orders)
        return {"k": float(cn.k), **cn.params}
    # the rhythm searched on the sample, then on everyone outward from the sample's best:
    # each order starts from the sample's fit at that order and its curvature there
    part = _take(sample, x, t_x, T, litt)
    first = fit_cnbd(*part, k=orders)
    fits = dict(first.params_by_k)

    def start_of(order: int) -> tuple[dict[str, float], np.ndarray | None]:
        if order not in fits:  # beyond where the sample's search stopped
            near = min(fits, key=lambda o: abs(o - order))
            fits[order] = fit_cnbd(*part, k=order, start=fits[near]).params
        return fits[order], cnbd_curvature(order, fits[order], *part[:3])

    if orders is None:
        cn = fit_cnbd_near(x, t_x, T, litt, first=first.k, start_of=start_of)
    else:
        start, curvature = start_of(first.k)
        cn = fit_cnbd(x, t_x, T, litt, k=first.k, starts={first.k: start},
                      curvatures={first.k: curvature})  # fmt: skip
    return {"k": float(cn.k), **cn.params}


def _pareto_from_samples(x, t_x, T, sizes: tuple[int, ...]) -> dict[str, float]:
    """Fit Pareto/NBD, from the fit and curvature of a sample of ``sizes[0]`` patients.

    The sample's own fit starts the same way from the next size, and so on: the gradient
    is numeric, so every evaluation saved on a large set by starting near the optimum
    counts. No sizes left (or no more patients than the size): a plain fit.
    """
    sample = _warm_start_sample(len(x), sizes[0]) if sizes else None
    if sample is None:
        return fit_pareto_nbd(x, t_x, T).params
    part = _take(sample, x, t_x, T)
    start = _pareto_from_samples(*part, sizes[1:])
    curvature = pareto_curvature(start, *part)
    return fit_pareto_nbd(x, t_x, T, start=start, curvature=curvature).params


def _warm_start_sample(n: int, size: int = WARM_START_PATIENTS) -> np.ndarray | None:
    """Return the rows of a fixed-seed sample of ``size`` of ``n``; ``None`` if n ≤ size."""
    if n <= size:
        return None
    rng = np.random.default_rng(WARM_START_SEED)
    return np.sort(rng.choice(n, size, replace=False))


def _take(rows: np.ndarray, *cols: np.ndarray) -> tuple[np.ndarray, ...]:
    return tuple(c[rows] for c in cols)


def _split(params: dict[str, float]) -> tuple[int, dict[str, float]]:
    rest = {n: v for n, v in params.items() if n != "k"}
    return int(params.get("k", 1)), rest


def alive(model: str, params: dict[str, float], x, t_x, T) -> np.ndarray:
    """Return P(still a patient at T | x, t_x, T) under ``model``."""
    _check(model)
    if model == "bgnbd":
        return bgnbd_p_alive(params, x, t_x, T)
    if model == "pareto_nbd":
        return pareto_p_alive(params, x, t_x, T)
    k, rest = _split(params)
    return cnbd_p_alive(k, rest, x, t_x, T)


def expected(model: str, params: dict[str, float], horizons, x, t_x, T) -> np.ndarray:
    """Return expected visits in ``(T, T + t]`` for each ``t`` of ``horizons``.

    Shape ``(len(x), len(horizons))``; the horizons are in the histories' time unit.
    """
    _check(model)
    horizons = np.atleast_1d(np.asarray(horizons, dtype="float64"))
    x, t_x, T = (np.atleast_1d(np.asarray(v, dtype="float64")) for v in (x, t_x, T))
    if model == "bgnbd":
        return bgnbd_expected_many(params, horizons, x, t_x, T)
    if model == "mbg_cnbd_k":
        k, rest = _split(params)
        return cnbd_expected_many(k, rest, horizons, x, t_x, T)
    return pareto_expected_many(params, horizons, x, t_x, T)
