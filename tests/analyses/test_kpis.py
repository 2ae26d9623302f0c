"""The owner's monthly KPIs: every month of a series is that month's own figures.

The series reads the visits once for all its months; each month must still be what the
definitions give on the visits up to that month's end, worked out here the long way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clinicvalue.analyses.kpis import CORE_KPIS, core_kpis, monthly_series
from clinicvalue.analyses.retention.revisit import (
    REVISIT_COHORT_DAYS,
    days_to_return,
    revisit_rates,
)
from clinicvalue.load import load_clinic
from clinicvalue.names import month_bounds
from clinicvalue.profile import ClinicProfile
from clinicvalue.summarize.definitions import active_from, first_visits, new_in_month
from clinicvalue.synth import synthesize


@pytest.fixture(scope="module")
def clinic() -> tuple[pd.DataFrame, pd.DataFrame]:
    s = synthesize("dental", patients=2000, seed=4)
    d = load_clinic(s.visits, patients=s.patients)
    patients = d.patients.copy()
    # every tenth patient's register knows visits from before the export
    earlier = np.arange(len(patients)) % 10 == 0
    patients.loc[earlier, "first_visit"] = pd.to_datetime(
        patients.loc[earlier, "first_visit"]
    ) - pd.DateOffset(years=3)
    return d.visits, patients


def _long_way(visits, month, profile, patients) -> dict[str, float]:
    """One month's KPIs from the visits up to its end, each definition applied directly."""
    start, end = month_bounds(month)
    v = visits[visits["visit_date"] <= end]
    vm = v[v["visit_date"] >= start]
    revenue = float(vm["amount"].sum())
    if len(v):
        first = first_visits(v, patients)
        new = first.index[new_in_month(first, start)]
        rev_new = float(vm.loc[vm["patient_id"].isin(new), "amount"].sum())
        returns = days_to_return(v, end, first=first)
        rates = revisit_rates(returns, windows=(90,), cohort_days=REVISIT_COHORT_DAYS)
        rate = float(rates["rate"].iloc[0])
    else:
        new, rev_new, rate = [], 0.0, float("nan")
    since = active_from(end, profile.activity.kpi_active_months)
    return {
        "active_patients": v.loc[v["visit_date"] >= since, "patient_id"].nunique(),
        "new_patients": len(new),
        "revisit_rate_90d": rate,
        "revenue": revenue,
        "revenue_new": rev_new,
        "revenue_returning": revenue - rev_new,
        "returning_revenue_share": (revenue - rev_new) / revenue if revenue else float("nan"),
        "avg_spend_per_visit": revenue / len(vm) if len(vm) else float("nan"),
        "visits": len(vm),
    }


def test_every_month_of_a_series_is_that_months_own_kpis(clinic):
    visits, patients = clinic
    profile = ClinicProfile()
    # five years back: months before the first visit, the clinic's first months and
    # months whose later visits a one-pass reading could leak into
    series = monthly_series(visits, month="2026-10", profile=profile, patients=patients, months=60)
    assert series.index[0] == "2021-11"
    checked_rates = 0
    for month, row in series.iterrows():
        want = _long_way(visits, month, profile, patients)
        for key in CORE_KPIS:
            assert row[key] == pytest.approx(want[key], rel=1e-12, nan_ok=True), (month, key)
        checked_rates += np.isfinite(want["revisit_rate_90d"])
    assert checked_rates > 40
    assert series["new_patients"].sum() > 0 and (series["new_patients"] == 0).any()


def test_a_months_kpis_are_its_row_of_the_series(clinic):
    visits, patients = clinic
    profile = ClinicProfile()
    series = monthly_series(visits, month="2026-10", profile=profile, patients=patients)
    for month in ("2025-11", "2026-04", "2026-10"):
        k = core_kpis(visits, month=month, profile=profile, patients=patients)
        assert k == pytest.approx(series.loc[month].to_dict(), rel=0, abs=0, nan_ok=True)


def test_months_before_the_first_visit_have_nobody(clinic):
    visits, patients = clinic
    profile = ClinicProfile()
    before = f"{visits['visit_date'].min() - pd.DateOffset(months=2):%Y-%m}"
    series = monthly_series(visits, month=before, profile=profile, patients=patients, months=3)
    assert (series["visits"] == 0).all() and (series["active_patients"] == 0).all()
    for month, row in series.iterrows():
        want = _long_way(visits, month, profile, patients)
        for key in CORE_KPIS:
            assert row[key] == pytest.approx(want[key], nan_ok=True), (month, key)
    empty = core_kpis(visits.iloc[:0], month="2026-10", profile=profile)
    assert empty["new_patients"] == 0 and np.isnan(empty["revisit_rate_90d"])
