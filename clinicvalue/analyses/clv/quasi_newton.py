"""Quasi-Newton steps from a known curvature, for refitting a visit model on everyone.

A large clinic's visit model is fitted first on a sample, and the fit on everyone starts
from the sample's optimum. The likelihood is a mean per patient, so the sample's
curvature there is already a good picture of the whole clinic's: full Newton-like steps
with it, corrected after each step by the BFGS update, reach the optimum in a handful of
evaluations where a search that starts with no picture of the curvature needs dozens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["MAX_STEPS", "quasi_newton"]

#: most steps before the search gives way to the caller's bounded one
MAX_STEPS = 50


def quasi_newton(
    objective: Callable[[np.ndarray], tuple[float, np.ndarray]],
    theta: np.ndarray,
    curvature: np.ndarray,
    *,
    bounds: Sequence[tuple[float, float]],
    gtol: float,
) -> np.ndarray | None:
    """Return the optimum reached by full quasi-Newton steps from ``curvature``.

    Parameters
    ----------
    objective
        The value and gradient at a point.
    theta
        The start (a sample's optimum).
    curvature
        The Hessian at the start (positive definite).
    bounds
        ``(low, high)`` per coordinate; a step outside them ends the search.
    gtol
        The search stops when no coordinate of the gradient exceeds this.

    Returns
    -------
    numpy.ndarray or None
        The optimum; ``None`` (for a bounded search to take over) as soon as a step
        raises the objective beyond rounding, leaves the bounds or gives no finite
        value, or after :data:`MAX_STEPS` steps. There is no line search: each step is
        one evaluation.
    """
    inverse = np.linalg.inv(curvature)
    eye = np.eye(len(theta))
    value, grad = objective(theta)
    for _ in range(MAX_STEPS):
        if np.abs(grad).max() <= gtol:
            return theta
        step = -inverse @ grad
        new = theta + step
        if not all(lo < v < hi for v, (lo, hi) in zip(new, bounds, strict=True)):
            return None
        new_value, new_grad = objective(new)
        if not np.isfinite(new_value) or new_value > value + 1e-13 * abs(value):
            return None
        change = new_grad - grad
        along = float(step @ change)
        if along > 0:  # the BFGS update keeps the inverse positive definite
            rho = 1.0 / along
            left = eye - rho * np.outer(step, change)
            inverse = left @ inverse @ left.T + rho * np.outer(step, step)
        theta, value, grad = new, new_value, new_grad
    return None
