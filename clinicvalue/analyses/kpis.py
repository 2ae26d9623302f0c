"""The owner's monthly KPIs, each computed here and nowhere else.

The core KPIs need only the visits (and the register's first visits); the model KPIs
(patients at risk, value at risk, total CLV, LTV:CAC) come from the analyses and are
added by :class:`clinicvalue.analyses.run.Analyses`. The report only reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clinicvalue.analyses.retention.revisit import (
    REVISIT_COHORT_DAYS,
    days_to_return,
    returns_from_dates,
    revisit_rates,
)
from clinicvalue.names import month_bounds
from clinicvalue.profile import ClinicProfile
from clinicvalue.summarize.definitions import active_from, first_visits, new_in_month

__all__ = ["CORE_KPIS", "MODEL_KPIS", "core_kpis", "monthly_series"]

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
    history = _History.of(visits, month_bounds(month)[1], patients)
    return history.kpis(month, profile)


@dataclass(frozen=True)
class _History:
    """The visits up to a last day, read once, from which any month's KPIs follow.

    A patient's first visit and first return as of a month's end are those as of the
    last day, where they fall by the month's end: a later visit never moves an earlier
    one. So the months of a series share one pass over the visits, kept in date order
    so that a month's visits, or a window's, are one slice.
    """

    code: np.ndarray  # each visit's patient, as a position in ``returns`` (-1: no id)
    date: np.ndarray  # each visit's day (datetime64[ns]), ascending
    amount: np.ndarray  # each visit's amount
    seen: np.ndarray  # each patient's first visit in the export (datetime64[ns])
    returns: pd.DataFrame  # days_to_return as of the last day, the register's first visits

    @classmethod
    def of(
        cls, visits: pd.DataFrame, last: pd.Timestamp, patients: pd.DataFrame | None
    ) -> _History:
        """Read the visits on or before ``last``."""
        v = visits[visits["visit_date"] <= last]
        code, ids = pd.factorize(v["patient_id"], sort=True)
        date = v["visit_date"].to_numpy(dtype="datetime64[ns]")
        seen = np.full(len(ids), np.iinfo(np.int64).max, dtype=np.int64)
        known = code >= 0
        np.minimum.at(seen, code[known], date[known].view(np.int64))
        if len(v):
            returns = days_to_return(v, last, first=first_visits(v, patients))
            returns = returns.reindex(pd.Index(ids, dtype="string", name="patient_id"))
        else:  # nobody yet: every month before the first visit
            none = pd.Series([], index=pd.Index([], dtype="string", name="patient_id"))
            none = none.astype("datetime64[ns]")
            returns = returns_from_dates(none, none, last)
        order = np.argsort(date, kind="stable")
        return cls(
            code=code[order],
            date=date[order],
            amount=v["amount"].to_numpy(dtype="float64")[order],
            seen=seen.view("datetime64[ns]"),
            returns=returns,
        )

    def _rows(self, start: pd.Timestamp, end: pd.Timestamp) -> slice:
        """Return the slice of visits from ``start`` to ``end`` (both days included)."""
        lo = np.searchsorted(self.date, np.datetime64(start), side="left")
        hi = np.searchsorted(self.date, np.datetime64(end), side="right")
        return slice(int(lo), int(hi))

    def kpis(self, month: str, profile: ClinicProfile) -> dict[str, float]:
        """Return the core KPIs of ``month`` (on or before the last day)."""
        start, end = month_bounds(month)
        present = self.seen <= np.datetime64(end)  # patients with a visit by the month end
        first = self.returns["first_visit"]
        new = present & new_in_month(first, start).to_numpy(dtype=bool)
        month_rows = self._rows(start, end)
        code = self.code[month_rows]
        amount = self.amount[month_rows]
        is_new = np.zeros(len(code), dtype=bool)
        is_new[code >= 0] = new[code[code >= 0]]
        revenue = float(np.nansum(amount))
        rev_new = float(np.nansum(amount[is_new]))
        n_visits = len(code)
        window = self._rows(active_from(end, profile.activity.kpi_active_months), end)
        active_codes = self.code[window]
        seen_active = np.bincount(active_codes[active_codes >= 0], minlength=len(self.seen))
        n_active = int(np.count_nonzero(seen_active))
        any_visit = bool(len(self.date)) and self.date[0] <= np.datetime64(end)
        return {
            "active_patients": n_active,
            "new_patients": int(new.sum()),
            "revisit_rate_90d": self._revisit_rate(end, present, 90) if any_visit else float("nan"),
            "revenue": revenue,
            "revenue_new": rev_new,
            "revenue_returning": revenue - rev_new,
            "returning_revenue_share": (revenue - rev_new) / revenue if revenue else float("nan"),
            "avg_spend_per_visit": revenue / n_visits if n_visits else float("nan"),
            "visits": n_visits,
        }

    def _revisit_rate(self, end: pd.Timestamp, present: np.ndarray, days: int) -> float:
        """Return :func:`revisit_rates`' recent-cohort rate within ``days`` as of ``end``.

        Only the cohort followed for ``days`` to ``days`` + cohort − 1 days counts, so only
        its rows are built; NaN when nobody is in it.
        """
        first = self.returns["first_visit"].to_numpy(dtype="datetime64[ns]")
        follow = (np.datetime64(end) - first) // np.timedelta64(1, "D")
        cohort = present & (follow >= days) & (follow < days + REVISIT_COHORT_DAYS)
        if not cohort.any():
            return float("nan")
        r = self.returns[cohort]
        second = r["second_visit"].to_numpy(dtype="datetime64[ns]")
        by_end = np.where(second <= np.datetime64(end), second, np.datetime64("NaT"))
        returns = returns_from_dates(r["first_visit"], pd.Series(by_end, index=r.index), end)
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
    """Return the core KPIs for the ``months`` months ending with ``month``, one row each.

    Each row is :func:`core_kpis` of its month; the visits are read once for them all.
    """
    end = month_bounds(month)[0]
    keys = [(end - pd.DateOffset(months=i)).strftime("%Y-%m") for i in range(months - 1, -1, -1)]
    history = _History.of(visits, month_bounds(month)[1], patients)
    rows = [history.kpis(m, profile) for m in keys]
    return pd.DataFrame(rows, index=pd.Index(keys, name="month"))
