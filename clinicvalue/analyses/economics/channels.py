"""Acquisition vs retention economics from the clinic's own data (articles 000, 002, 003).

Definitions (all money is net ``visits.amount``; margin = revenue × ``clinic.gross_margin``):

* new patient: a patient whose first attended visit falls in the month; the acquisition
  month is that month and the channel is ``patients.channel`` (``"unknown"`` if missing);
* CAC (channel, month) = acquisition spend ÷ new patients;
* retention cost per retained patient = retention spend over the period ÷ patients who
  visited again after their first month (returning patients);
* acquisition-to-retention cost ratio = overall CAC ÷ retention cost per retained patient
  (the articles quote 5–7×);
* realised LTV = revenue per acquired patient to date, and within 12 months of acquisition;
* payback months = first month since acquisition when cumulative margin per acquired patient
  reaches the channel's CAC (NaN if not yet reached).

Missing spend data is not an error: results carry ``available=False`` and a ``note``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from clinicvalue.data import ClinicData
from clinicvalue.profile import ClinicProfile
from clinicvalue.summarize.definitions import first_visits

_NO_SPEND = "No marketing spend was given, so CAC, LTV:CAC and payback are left out."


def _first_visits(data: ClinicData) -> pd.DataFrame:
    out = first_visits(data.visits, data.patients).to_frame()
    out["acq_month"] = out["first_visit"].dt.to_period("M").dt.to_timestamp()
    channel = pd.Series("unknown", index=out.index, dtype="str")
    if data.patients is not None and "channel" in data.patients.columns:
        ch = data.patients.drop_duplicates("patient_id").set_index("patient_id")["channel"]
        channel = ch.reindex(out.index).fillna("unknown").astype("str")
    out["channel"] = channel
    return out


def revenue_new_vs_returning(data: ClinicData, profile: ClinicProfile) -> pd.DataFrame:
    """Split monthly revenue and margin into new and returning patients'.

    A month's new-patient revenue is what the patients new in that month spent in it
    (:mod:`clinicvalue.summarize.definitions`); the rest is returning patients'.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``month``: ``new_revenue, returning_revenue, new_margin, returning_margin``.
    """
    v = data.visits[["patient_id", "visit_date", "amount"]]
    first = _first_visits(data)["acq_month"]
    month = v["visit_date"].dt.to_period("M").dt.to_timestamp().rename("month")
    is_new = month.to_numpy() == first.reindex(v["patient_id"]).to_numpy()
    frame = pd.DataFrame(
        {
            "month": month,
            "new_revenue": np.where(is_new, v["amount"], 0.0),
            "returning_revenue": np.where(is_new, 0.0, v["amount"]),
        }
    )
    out = frame.groupby("month").sum()
    gm = profile.clinic.gross_margin
    out["new_margin"] = out["new_revenue"] * gm
    out["returning_margin"] = out["returning_revenue"] * gm
    return out


@dataclass(frozen=True)
class Economics:
    """Acquisition vs retention economics of one clinic.

    Attributes
    ----------
    available : bool
        False when no spend data was given (then only ``revenue_split`` is filled).
    note : str
        Plain-language note on what was left out.
    cac : pandas.DataFrame
        ``channel, month, spend, new_patients, cac``.
    by_channel : pandas.DataFrame
        Indexed by ``channel``: ``spend, new_patients, cac, ltv_to_date, ltv_12m, clv,
        ltv_cac, payback_months``.
    revenue_split : pandas.DataFrame
        Output of :func:`revenue_new_vs_returning`.
    overall_cac, retention_spend, retained_patients, retention_cost, acq_to_ret_ratio : float
        Clinic-wide figures (NaN when not computable).
    """

    available: bool
    note: str
    cac: pd.DataFrame
    by_channel: pd.DataFrame
    revenue_split: pd.DataFrame
    overall_cac: float = float("nan")
    retention_spend: float = float("nan")
    retained_patients: int = 0
    retention_cost: float = float("nan")
    acq_to_ret_ratio: float = float("nan")
    extra: dict[str, Any] = field(default_factory=dict)

    def to_metrics(self) -> dict[str, Any]:
        """Return a JSON-ready dict (NaN → None)."""

        def clean(x: Any) -> Any:
            if isinstance(x, float | np.floating):
                return None if np.isnan(x) else float(x)
            if isinstance(x, np.integer):
                return int(x)
            return x

        return {
            "available": self.available,
            "note": self.note,
            "overall_cac": clean(self.overall_cac),
            "retention_spend": clean(self.retention_spend),
            "retained_patients": int(self.retained_patients),
            "retention_cost_per_retained": clean(self.retention_cost),
            "acquisition_to_retention_cost_ratio": clean(self.acq_to_ret_ratio),
            "by_channel": {
                str(ch): {k: clean(v) for k, v in row.items()}
                for ch, row in self.by_channel.to_dict("index").items()
            },
        }


def economics(
    data: ClinicData,
    profile: ClinicProfile,
    *,
    as_of: pd.Timestamp | None = None,
    clv: pd.Series | None = None,
) -> Economics:
    """Compute CAC, LTV, LTV:CAC, payback and the acquisition-to-retention cost ratio.

    Parameters
    ----------
    data : ClinicData
        Visits, patients (for ``channel``) and optional spend.
    profile : ClinicProfile
        Supplies ``clinic.gross_margin`` and ``economics.*_purposes``.
    as_of : pandas.Timestamp, optional
        Analysis date (default: the last visit).
    clv : pandas.Series, optional
        Per-patient model CLV indexed by ``patient_id`` (e.g. from ``ClvModel``);
        averaged per channel into ``by_channel["clv"]``.

    Returns
    -------
    Economics
    """
    split = revenue_new_vs_returning(data, profile)
    empty_cac = pd.DataFrame(columns=["channel", "month", "spend", "new_patients", "cac"])
    if not data.has_spend:
        return Economics(False, _NO_SPEND, empty_cac, pd.DataFrame(), split)
    gm = profile.clinic.gross_margin
    v = data.visits
    as_of = pd.Timestamp(as_of) if as_of is not None else v["visit_date"].max()
    first = _first_visits(data)
    spend = data.spend
    acq = spend[spend["purpose"].isin(profile.economics.acquisition_purposes)]
    ret = spend[spend["purpose"].isin(profile.economics.retention_purposes)]

    new = first.groupby(["channel", "acq_month"]).size().rename("new_patients")
    new.index = new.index.set_names(["channel", "month"])
    acq_cm = acq.groupby(["channel", "month"])["amount"].sum().rename("spend")
    cac = pd.concat([acq_cm, new], axis=1).fillna(0.0)
    cac = cac[cac["spend"] > 0]
    cac["new_patients"] = cac["new_patients"].astype(int)
    cac["cac"] = cac["spend"] / cac["new_patients"].replace(0, np.nan)
    cac = cac.reset_index()

    # per-patient revenue to date and within 12 months, months since acquisition
    vv = v[["patient_id", "visit_date", "amount"]].join(first, on="patient_id")
    vv = vv[vv["visit_date"] <= as_of]
    age = (vv["visit_date"].dt.year - vv["acq_month"].dt.year) * 12 + (
        vv["visit_date"].dt.month - vv["acq_month"].dt.month
    )
    vv = vv.assign(age=age)
    spent_channels = cac["channel"].unique()
    by = cac.groupby("channel")[["spend", "new_patients"]].sum()
    by["cac"] = by["spend"] / by["new_patients"].replace(0, np.nan)
    acquired = first[first["channel"].isin(spent_channels)]
    n_acq = acquired.groupby("channel").size()
    rev = vv.groupby("channel")["amount"].sum()
    by["ltv_to_date"] = (rev / n_acq).reindex(by.index)
    rev12 = vv[vv["age"] < 12].groupby("channel")["amount"].sum()
    by["ltv_12m"] = (rev12 / n_acq).reindex(by.index)
    if clv is not None:
        by["clv"] = clv.groupby(first["channel"].reindex(clv.index)).mean().reindex(by.index)
    else:
        by["clv"] = np.nan
    by["ltv_cac"] = by["ltv_to_date"] * gm / by["cac"]
    # payback: cumulative margin per acquired patient by month since acquisition
    cum = (
        vv.groupby(["channel", "age"])["amount"].sum().unstack("age", fill_value=0.0).cumsum(axis=1)
    )
    cum = cum.reindex(by.index).fillna(0.0).div(n_acq.reindex(by.index), axis=0) * gm
    reached = cum.ge(by["cac"], axis=0)
    first_age = reached.idxmax(axis=1).where(reached.any(axis=1))
    by["payback_months"] = (first_age.astype(float) + 1).reindex(by.index)

    overall_cac = float(acq["amount"].sum() / max(len(acquired), 1)) if len(acquired) else np.nan
    returning = vv[vv["age"] >= 1]["patient_id"].nunique()
    ret_spend = float(ret["amount"].sum())
    ret_cost = ret_spend / returning if returning and ret_spend > 0 else float("nan")
    ratio = overall_cac / ret_cost if ret_cost and not np.isnan(ret_cost) else float("nan")
    note = "" if ret_spend > 0 else "No retention spend was given, so the cost ratio is left out."
    return Economics(
        True,
        note,
        cac,
        by,
        split,
        overall_cac=overall_cac,
        retention_spend=ret_spend,
        retained_patients=int(returning),
        retention_cost=ret_cost,
        acq_to_ret_ratio=ratio,
    )
