"""Patients simulated from MBG/CNBD-k, so tests know the rhythm they should find."""

from __future__ import annotations

import numpy as np


def simulate(n: int, k: int, *, weeks: float, seed: int, params: dict[str, float]) -> dict:
    """Patients of MBG/CNBD-k: Erlang-k gaps with gamma rates, beta dropout after each visit."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(params["r"], 1 / params["alpha"], n)
    p = rng.beta(params["a"], params["b"], n)
    x, t_x, litt = np.zeros(n), np.zeros(n), np.zeros(n)
    now = np.zeros(n)
    alive = rng.random(n) >= p  # may leave right after the first visit
    while alive.any():
        gap = rng.gamma(k, 1 / lam)
        now = np.where(alive, now + gap, now)
        came = alive & (now <= weeks)
        x += came
        litt += np.where(came, np.log(gap), 0.0)
        t_x = np.where(came, now, t_x)
        alive = came & (rng.random(n) >= p)
    return {"x": x, "t_x": t_x, "T": np.full(n, weeks), "litt": litt}


def regular(k: int) -> dict[str, float]:
    # a visit about every 26 weeks (k / λ), few leave: dental recall patients
    return {"r": 8.0, "alpha": 8.0 * 26 / k, "a": 1.0, "b": 12.0}
