"""The owner's monthly KPIs, each computed here and nowhere else.

The core KPIs need only the visits (and the register's first visits); the model KPIs
(patients at risk, value at risk, total CLV, LTV:CAC) come from the analyses and are
added by :class:`clinicvalue.analyses.run.Analyses`. The report only reads them.
"""

from __future__ import annotations

import pandas as pd

from clinicvalue.analyses.retention.revisit import (
    REVISIT_COHORT_DAYS,
    days_to_return,
    revisit_rates,
)
from clinicvalue.idsets import ids_in
from clinicvalue.names import month_bounds
from clinicvalue.profile import ClinicProfile
from clinicvalue.summarize.definitions import active_from, first_visits, new_in_month

__all__ = ["CORE_KPIS", "MODEL_KPIS", "core_kpis", "revisit_rate", "monthly_series"]

CORE_KPIS = (
    "active_patients",
    "new_patients",
    "revisit_rate_90d",
    "revenue",
    "revenue_new",
    "revenue_returning",
    "returning_revenue_share",
    "avg_spend_per_visit",
    "visits",
)
MODEL_KPIS = ("at_risk_patients", "clv_at_risk", "total_clv", "ltv_cac")


def core_kpis(
    visits: pd.DataFrame,
    *,
    month: str,
    profile: ClinicProfile,
    patients: pd.DataFrame | None = None,
) -> dict[str, float]:
    """Compute the KPIs of ``month`` that need only the visits (and the register).

    Parameters
    ----------
    visits
        Canonical visits (:mod:`clinicvalue.data`); rows after the month end are ignored.
    month
        The report month, ``YYYY-MM``.
    profile
        The clinic profile (``activity.kpi_active_months``).
    patients
        The patient register, whose ``first_visit`` may predate the visits export.

    Returns
    -------
    dict
        The keys of :data:`CORE_KPIS`. The 90-day revisit rate is the rate of
        :func:`~clinicvalue.analyses.retention.revisit.revisit_rates` for the patients
        first seen 90–179 days before the month end, the same rate the retention page shows.
    """
    start, end = month_bounds(month)
    v = visits[visits["visit_date"] <= end]
    first = first_visits(v, patients) if len(v) else pd.Series(dtype="datetime64[ns]")
    in_month = v["visit_date"] >= start
    vm = v[in_month]
    new_ids = first.index[new_in_month(first, start)]
    is_new = pd.Series(ids_in(vm["patient_id"], new_ids), index=vm.index)
    revenue = float(vm["amount"].sum())
    rev_new = float(vm.loc[is_new, "amount"].sum())
    n_visits = int(len(vm))
    active = v["visit_date"] >= active_from(end, profile.activity.kpi_active_months)
    return {
        "active_patients": int(v.loc[active, "patient_id"].nunique()),
        "new_patients": int(len(new_ids)),
        "revisit_rate_90d": revisit_rate(v, first, end, days=90),
        "revenue": revenue,
        "revenue_new": rev_new,
        "revenue_returning": revenue - rev_new,
        "returning_revenue_share": (revenue - rev_new) / revenue if revenue else float("nan"),
        "avg_spend_per_visit": revenue / n_visits if n_visits else float("nan"),
        "visits": n_visits,
    }


def revisit_rate(
    visits: pd.DataFrame, first: pd.Series, as_of: pd.Timestamp, *, days: int
) -> float:
    """Return the recent cohort's ``days``-day revisit rate as of ``as_of`` (NaN if empty)."""
    if not len(visits):
        return float("nan")
    returns = days_to_return(visits, as_of, first=first)
    rates = revisit_rates(returns, windows=(days,), cohort_days=REVISIT_COHORT_DAYS)
    return float(rates["rate"].iloc[0])


def monthly_series(
    visits: pd.DataFrame,
    *,
    month: str,
    profile: ClinicProfile,
    patients: pd.DataFrame | None = None,
    months: int = 12,
) -> pd.DataFrame:
    """Return the core KPIs for the ``months`` months ending with ``month``, one row each."""
    end = month_bounds(month)[0]
    keys = [(end - pd.DateOffset(months=i)).strftime("%Y-%m") for i in range(months - 1, -1, -1)]
    rows = [core_kpis(visits, month=m, profile=profile, patients=patients) for m in keys]
    return pd.DataFrame(rows, index=pd.Index(keys, name="month"))
