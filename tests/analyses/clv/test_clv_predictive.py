"""Predictive intervals: simulated futures cover what patients really do, at the stated rate."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from clinicvalue.analyses.clv.bgnbd import UNITS_PER_MONTH
from clinicvalue.analyses.clv.model import ClvModel
from clinicvalue.analyses.clv.predictive import predictive_intervals
from clinicvalue.profile import ClinicProfile

BG = {"r": 0.8, "alpha": 12.0, "a": 0.9, "b": 4.0}  # time unit: weeks
GG = {"p": 6.0, "q": 4.0, "v": 300.0}
T_CAL = 78.0  # weeks observed
MONTHS = 12
PROFILE = ClinicProfile().replace(
    clv__horizon_months=MONTHS, clv__bootstrap_draws=400, clinic__gross_margin=1.0
)


def _population(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, float]:
    """Patients drawn event by event from BG/NBD + Gamma-Gamma: their summary up to the
    end of calibration and the discounted spend of their next ``MONTHS`` months."""
    unit = UNITS_PER_MONTH["W"]
    end = T_CAL + MONTHS * unit
    rate = (1 + PROFILE.clv.annual_discount_rate) ** (1 / 12) - 1
    rows, future = [], 0.0
    for _ in range(n):
        lam = rng.gamma(BG["r"], 1 / BG["alpha"])
        drop = rng.beta(BG["a"], BG["b"])
        nu = rng.gamma(GG["q"], 1 / GG["v"])
        t, x, t_x, spent = 0.0, 0, 0.0, 0.0
        while True:
            t += rng.exponential(1 / lam)
            if t > end:
                break
            z = rng.gamma(GG["p"], 1 / nu)
            if t <= T_CAL:
                x, t_x, spent = x + 1, t, spent + z
            else:
                month = math.ceil((t - T_CAL) / unit)
                future += z / (1 + rate) ** month
            if rng.random() < drop:  # a patient may stop after any repeat visit
                break
        rows.append((x, t_x, T_CAL, spent / x if x else 0.0))
    summary = pd.DataFrame(rows, columns=["frequency", "recency", "T", "monetary"])
    summary.index = pd.Index([f"P{i}" for i in range(n)], dtype="string", name="patient_id")
    return summary, future


def _known_model() -> ClvModel:
    """A model whose parameters are the truth (no fit): only the patients are random."""
    return ClvModel.from_params(BG, GG, time_unit="W", mean_spend=GG["p"] * GG["v"] / (GG["q"] - 1))


def test_ninety_percent_predictive_intervals_cover_ninety_percent_of_futures():
    rng = np.random.default_rng(2005)
    model = _known_model()
    hits, widths = [], []
    for _ in range(120):
        summary, truth = _population(rng, 200)
        pi = predictive_intervals(model, summary, PROFILE, parameters=False)
        hits.append(pi.total["lower"] <= truth <= pi.total["upper"])
        widths.append(pi.total["upper"] - pi.total["lower"])
        assert pi.total["lower"] >= 0
    coverage = float(np.mean(hits))
    assert 0.84 <= coverage <= 0.96, coverage
    assert np.mean(widths) > 0


def test_the_point_estimate_sits_inside_its_predictive_interval():
    rng = np.random.default_rng(7)
    summary, _ = _population(rng, 400)
    segments = pd.Series(
        np.where(summary["frequency"] > 1, "frequent", "other"), index=summary.index
    )
    pi = predictive_intervals(_known_model(), summary, PROFILE, segments=segments, parameters=False)
    by = pi.by_segment
    assert set(by.index) == {"frequent", "other"}
    assert (by["lower"] <= by["estimate"]).all() and (by["estimate"] <= by["upper"]).all()
    assert by["patients"].sum() == 400
    assert pi.total["estimate"] == pytest.approx(by["estimate"].sum())
