"""What the calls achieved: each list's funnel, and its effect against the held-back group.

The funnel follows the patients listed: called (an outcome was recorded) → reached (a
person answered: reached, booked, call back, declined or do not contact) → booked →
came (booked, and visited within ``actions.effect_days`` of the list's day), with the
revenue of those visits.

The effect compares, per list that holds patients back (``actions.holdout_lists``),
patients listed with patients held back (chosen by hash,
so the two groups differ only by the call). Each patient counts once per list, at the
first run that listed or held them, and only once ``actions.effect_days`` have passed.
The effect is the difference in the share who returned within that window and in
revenue per patient, with 95% intervals (statsmodels); the number of held-back patients
needed to detect ``actions.min_effect`` with 80% power says how long to wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from clinicvalue.privacy import pseudonym_secret, pseudonymize
from clinicvalue.profile import WORKLISTS, ClinicProfile

__all__ = ["REACHED", "CallResults", "ListEffect", "call_results"]

#: Outcomes that mean a person answered.
REACHED = ("reached", "booked", "call_back", "declined", "do_not_contact")
_POWER, _ALPHA = 0.8, 0.05


@dataclass(frozen=True)
class ListEffect:
    """One list's measured effect of calling (called against held back)."""

    list: str
    called: int
    held: int
    called_rate: float | None
    held_rate: float | None
    diff: float | None
    diff_low: float | None
    diff_high: float | None
    revenue_diff: float | None
    revenue_low: float | None
    revenue_high: float | None
    needed: int | None  # held-back patients needed to read an effect of min_effect
    pending: int  # patients whose window has not closed yet
    verdict: str  # too_early / no_control / effect / harm / no_effect

    def to_metrics(self) -> dict[str, Any]:
        """Return the effect as plain JSON-ready values."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class CallResults:
    """The funnel per list and the effect per list (empty without call records)."""

    funnel: pd.DataFrame  # index list: listed, called, reached, booked, came, revenue
    effects: tuple[ListEffect, ...]
    workbooks: int
    first_run: pd.Timestamp | None
    last_run: pd.Timestamp | None

    def to_metrics(self) -> dict[str, Any]:
        """Return the funnel and the effects as plain JSON-ready values."""
        return {
            "workbooks": self.workbooks,
            "first_run": None if self.first_run is None else f"{self.first_run:%Y-%m-%d}",
            "last_run": None if self.last_run is None else f"{self.last_run:%Y-%m-%d}",
            "funnel": {
                str(k): {c: float(v) if c == "revenue" else int(v) for c, v in row.items()}
                for k, row in self.funnel.iterrows()
            },
            "effects": [e.to_metrics() for e in self.effects],
        }


def _after(calls: pd.DataFrame, visits: pd.DataFrame, days: int) -> tuple[pd.Series, pd.Series]:
    """Whether each call row's patient visited within ``days`` after the run, and revenue."""
    window = visits.merge(
        calls[["patient_id", "run_date"]].reset_index(), on="patient_id", how="inner"
    )
    window = window[
        (window["visit_date"] > window["run_date"])
        & (window["visit_date"] <= window["run_date"] + pd.Timedelta(days=days))
    ]
    revenue = window.groupby("index")["amount"].sum().reindex(calls.index, fill_value=0.0)
    came = pd.Series(calls.index.isin(window["index"]), index=calls.index)
    return came, revenue.astype("float64")


def call_results(
    calls: pd.DataFrame | None,
    visits: pd.DataFrame,
    as_of: pd.Timestamp | str,
    profile: ClinicProfile,
    *,
    since: pd.Timestamp | str | None = None,
) -> CallResults:
    """Return the funnel of runs since ``since`` and every list's effect up to ``as_of``.

    Parameters
    ----------
    calls
        Call records (:data:`~clinicvalue.data.CALL_COLUMNS`), or ``None``.
    visits
        Canonical visits up to ``as_of``.
    profile
        ``actions.effect_days``, ``actions.min_effect`` and the pseudonym secret.
    since
        First run day counted in the funnel (the report month's first day); every run
        counts for the effect.
    """
    if calls is None or calls.empty:
        return CallResults(pd.DataFrame(), (), 0, None, None)
    as_of = pd.Timestamp(as_of).normalize()
    days = profile.actions.effect_days
    calls = calls[calls["run_date"] <= as_of].reset_index(drop=True)
    # visits carry patient ids, calls carry keys: pseudonymise the visitors once
    ids = pd.Series(visits["patient_id"].astype("string").unique())
    keys = pseudonymize(ids, pseudonym_secret(profile))
    back = pd.Series(ids.to_numpy(), index=pd.Index(keys.to_numpy(), dtype="string"))
    calls = calls.assign(patient_id=calls["patient_key"].astype("string").map(back))
    came, revenue = _after(calls, visits, days)
    calls = calls.assign(came=came.to_numpy(), revenue=revenue.to_numpy())

    start = pd.Timestamp(since) if since is not None else calls["run_date"].min()
    shown = calls[(calls["arm"] == "listed") & (calls["run_date"] >= start)]
    outcome = shown["outcome"].astype("string")
    booked = outcome.eq("booked").fillna(False)
    stages = pd.DataFrame(
        {
            "list": shown["list"],
            "listed": 1,
            "called": outcome.notna().astype(int),
            "reached": outcome.isin(REACHED).fillna(False).astype(int),
            "booked": booked.astype(int),
            "came": (booked & shown["came"]).astype(int),
            "revenue": shown["revenue"].where(booked & shown["came"], 0.0),
        }
    )
    funnel = stages.groupby("list").sum()
    funnel = funnel.reindex([k for k in WORKLISTS if k in funnel.index])

    first = calls.sort_values("run_date", kind="stable").drop_duplicates(["patient_key", "list"])
    closed = first["run_date"] + pd.Timedelta(days=days) <= as_of
    effects = tuple(
        _effect(
            name,
            first[closed & first["list"].eq(name)],
            int((~closed & first["list"].eq(name)).sum()),
            profile,
        )
        for name in WORKLISTS
        if name in profile.actions.holdout_lists and first["list"].eq(name).any()
    )
    return CallResults(
        funnel=funnel,
        effects=effects,
        workbooks=int(calls["file"].nunique()) if "file" in calls else 0,
        first_run=pd.Timestamp(calls["run_date"].min()),
        last_run=pd.Timestamp(calls["run_date"].max()),
    )


def _needed(base: float, ratio: float, profile: ClinicProfile) -> int | None:
    """Held-back patients needed to detect ``min_effect`` over ``base`` with 80% power."""
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    target = min(base + profile.actions.min_effect, 0.999)
    size = abs(proportion_effectsize(target, base))
    if not np.isfinite(size) or size == 0:
        return None
    n = NormalIndPower().solve_power(
        effect_size=size, alpha=_ALPHA, power=_POWER, ratio=ratio, alternative="two-sided"
    )
    return int(np.ceil(n))


def _effect(name: str, rows: pd.DataFrame, pending: int, profile: ClinicProfile) -> ListEffect:
    from statsmodels.stats.proportion import confint_proportions_2indep
    from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

    called = rows[rows["arm"] == "listed"]
    held = rows[rows["arm"] == "held"]
    n1, n0 = len(called), len(held)
    blank = dict.fromkeys(
        ("called_rate", "held_rate", "diff", "diff_low", "diff_high", "revenue_diff",
         "revenue_low", "revenue_high", "needed"),
    )  # fmt: skip
    if n0 == 0 or n1 == 0:
        verdict = "no_control" if n1 and not n0 and not pending else "too_early"
        return ListEffect(name, n1, n0, **blank, pending=pending, verdict=verdict)
    c1, c0 = int(called["came"].sum()), int(held["came"].sum())
    p1, p0 = c1 / n1, c0 / n0
    # the held-back group sets the base rate; the called group is about 9 times larger
    needed = _needed(max(p0, 0.01), n0 / n1 if n1 else 1.0, profile)
    needed = None if needed is None else int(np.ceil(needed * n0 / n1))
    low, high = confint_proportions_2indep(c1, n1, c0, n0, method="newcomb", compare="diff")
    means = CompareMeans(
        DescrStatsW(called["revenue"].to_numpy(float)), DescrStatsW(held["revenue"].to_numpy(float))
    )
    r_low, r_high = (
        means.tconfint_diff(alpha=_ALPHA, usevar="unequal") if n0 > 1 and n1 > 1 else (None, None)
    )
    if needed is not None and n0 < needed and low <= 0 <= high:
        verdict = "too_early"
    elif low > 0:
        verdict = "effect"
    elif high < 0:
        verdict = "harm"
    else:
        verdict = "no_effect"
    return ListEffect(
        name, n1, n0, p1, p0, p1 - p0, float(low), float(high),
        float(called["revenue"].mean() - held["revenue"].mean()),
        None if r_low is None else float(r_low), None if r_high is None else float(r_high),
        needed, pending, verdict,
    )  # fmt: skip
