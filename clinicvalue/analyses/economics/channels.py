"""Acquisition vs retention economics from the clinic's own data (articles 000, 002, 003).

Definitions (all money is net ``visits.amount``; margin = revenue × ``clinic.gross_margin``):

* new patient: a patient whose first attended visit falls in the month; the acquisition
  month is that month and the channel is ``patients.channel`` (``"unknown"`` if missing);
* CAC (channel, month) = acquisition spend ÷ new patients;
* retention cost per retained patient = retention spend over the period ÷ patients who
  visited again after their first month (returning patients);
* acquisition-to-retention cost ratio = overall CAC ÷ retention cost per retained patient
  (the articles quote 5–7×);
* acquired patients of a channel: its new patients in the months it had acquisition spend
  (the patients the spend bought; :func:`acquired_patients`);
* revenue to date, and in the first 12 months, per acquired patient (shown as revenue,
  never as lifetime value);
* LTV = the mean lifetime value of the channel's acquired patients counted from their
  first visit (:mod:`clinicvalue.analyses.economics.lifetime`); LTV:CAC = LTV ÷ CAC;
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
from clinicvalue.idsets import values_for
from clinicvalue.profile import ClinicProfile
from clinicvalue.summarize.definitions import first_visits

_NO_SPEND = "No marketing spend was given, so CAC, LTV:CAC and payback are left out."


def _first_visits(data: ClinicData, first: pd.Series | None = None) -> pd.DataFrame:
    """Return each patient's first visit, its month and the patient's channel.

    ``first`` is :func:`~clinicvalue.summarize.definitions.first_visits` of ``data`` when
    already made (an analysis run makes it once for every page).
    """
    first = first_visits(data.visits, data.patients) if first is None else first
    out = first.rename("first_visit").to_frame()
    out["acq_month"] = out["first_visit"].dt.to_period("M").dt.to_timestamp()
    channel = pd.Series("unknown", index=out.index, dtype="str")
    if data.patients is not None and "channel" in data.patients.columns:
        ch = data.patients.drop_duplicates("patient_id").set_index("patient_id")["channel"]
        channel = ch.reindex(out.index).fillna("unknown").astype("str")
    out["channel"] = channel
    return out


def revenue_new_vs_returning(
    data: ClinicData, profile: ClinicProfile, *, first: pd.Series | None = None
) -> pd.DataFrame:
    """Split monthly revenue and margin into new and returning patients'.

    A month's new-patient revenue is what the patients new in that month spent in it
    (:mod:`clinicvalue.summarize.definitions`); the rest is returning patients'.
    ``first`` is each patient's first visit when already made
    (:func:`~clinicvalue.summarize.definitions.first_visits` of ``data``).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``month``: ``new_revenue, returning_revenue, new_margin, returning_margin``.
    """
    v = data.visits[["patient_id", "visit_date", "amount"]]
    first = _first_visits(data, first)["acq_month"]
    month = v["visit_date"].dt.to_period("M").dt.to_timestamp().rename("month")
    is_new = month.to_numpy() == values_for(first, v["patient_id"], "datetime64[ns]")
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
        Indexed by ``channel``: ``spend, new_patients, cac, revenue_to_date,
        revenue_12m, ltv, ltv_cac, payback_months``.
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


def _acquisition_spend(data: ClinicData, profile: ClinicProfile) -> pd.DataFrame:
    spend = data.spend
    return spend[spend["purpose"].isin(profile.economics.acquisition_purposes)]


def acquired_patients(
    data: ClinicData, profile: ClinicProfile, *, first: pd.Series | None = None
) -> pd.DataFrame:
    """Return the patients acquisition spend bought: new in a month their channel had spend.

    Indexed by ``patient_id``: ``first_visit``, ``acq_month``, ``channel``. Empty without
    spend data. ``first`` is each patient's first visit when already made.
    """
    first = _first_visits(data, first)
    if not data.has_spend:
        return first.iloc[:0]
    acq = _acquisition_spend(data, profile)
    paid = acq[acq["amount"] > 0].groupby(["channel", "month"]).size().index
    keys = pd.MultiIndex.from_arrays([first["channel"], first["acq_month"]])
    return first[keys.isin(paid)]


def economics(
    data: ClinicData,
    profile: ClinicProfile,
    *,
    as_of: pd.Timestamp | None = None,
    new_ltv: pd.Series | None = None,
    first: pd.Series | None = None,
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
    new_ltv : pandas.Series, optional
        Lifetime value of each acquired patient from their first visit
        (:func:`clinicvalue.analyses.economics.lifetime.new_patient_ltv` over
        :func:`acquired_patients`); averaged per channel into ``by_channel["ltv"]``.
        Without it LTV and LTV:CAC are NaN.
    first : pandas.Series, optional
        Each patient's first visit when already made
        (:func:`~clinicvalue.summarize.definitions.first_visits` of ``data``).

    Returns
    -------
    Economics
    """
    split = revenue_new_vs_returning(data, profile, first=first)
    empty_cac = pd.DataFrame(columns=["channel", "month", "spend", "new_patients", "cac"])
    if not data.has_spend:
        return Economics(False, _NO_SPEND, empty_cac, pd.DataFrame(), split)
    gm = profile.clinic.gross_margin
    v = data.visits
    as_of = pd.Timestamp(as_of) if as_of is not None else v["visit_date"].max()
    first = _first_visits(data, first)
    spend = data.spend
    acq = _acquisition_spend(data, profile)
    ret = spend[spend["purpose"].isin(profile.economics.retention_purposes)]

    new = first.groupby(["channel", "acq_month"]).size().rename("new_patients")
    new.index = new.index.set_names(["channel", "month"])
    acq_cm = acq.groupby(["channel", "month"])["amount"].sum().rename("spend")
    cac = pd.concat([acq_cm, new], axis=1).fillna(0.0)
    cac = cac[cac["spend"] > 0]
    cac["new_patients"] = cac["new_patients"].astype(int)
    cac["cac"] = cac["spend"] / cac["new_patients"].replace(0, np.nan)
    cac = cac.reset_index()

    # the patients the spend bought: revenue to date and in 12 months, months since acquisition
    acquired = acquired_patients(data, profile)
    vv = v[["patient_id", "visit_date", "amount"]].join(acquired, on="patient_id", how="inner")
    vv = vv[vv["visit_date"] <= as_of]
    age = (vv["visit_date"].dt.year - vv["acq_month"].dt.year) * 12 + (
        vv["visit_date"].dt.month - vv["acq_month"].dt.month
    )
    vv = vv.assign(age=age)
    by = cac.groupby("channel")[["spend", "new_patients"]].sum()
    by["cac"] = by["spend"] / by["new_patients"].replace(0, np.nan)
    n_acq = acquired.groupby("channel").size()
    rev = vv.groupby("channel")["amount"].sum()
    by["revenue_to_date"] = (rev / n_acq).reindex(by.index)
    rev12 = vv[vv["age"] < 12].groupby("channel")["amount"].sum()
    by["revenue_12m"] = (rev12 / n_acq).reindex(by.index)
    if new_ltv is not None:
        ltv = new_ltv.reindex(acquired.index.astype("string")).to_numpy()
        by["ltv"] = pd.Series(ltv, index=acquired.index).groupby(acquired["channel"]).mean()
        by["ltv"] = by["ltv"].reindex(by.index)
    else:
        by["ltv"] = np.nan
    by["ltv_cac"] = by["ltv"] / by["cac"]
    # payback: cumulative margin per acquired patient by month since acquisition
    cum = (
        vv.groupby(["channel", "age"])["amount"].sum().unstack("age", fill_value=0.0).cumsum(axis=1)
    )
    cum = cum.reindex(by.index).fillna(0.0).div(n_acq.reindex(by.index), axis=0) * gm
    reached = cum.ge(by["cac"], axis=0)
    if reached.shape[1]:
        first_age = reached.idxmax(axis=1).where(reached.any(axis=1))
        by["payback_months"] = (first_age.astype(float) + 1).reindex(by.index)
    else:  # no acquired patient is known (no patients file with channels): no payback
        by["payback_months"] = np.nan

    overall_cac = float(acq["amount"].sum() / max(len(acquired), 1)) if len(acquired) else np.nan
    everyone = v[["patient_id", "visit_date"]].join(first["acq_month"], on="patient_id")
    everyone = everyone[everyone["visit_date"] <= as_of]
    since = (everyone["visit_date"].dt.year - everyone["acq_month"].dt.year) * 12 + (
        everyone["visit_date"].dt.month - everyone["acq_month"].dt.month
    )
    returning = everyone.loc[since.to_numpy() >= 1, "patient_id"].nunique()
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


@dataclass(frozen=True)
class Comparison:
    """The clinic's own new and returning patients over the last 12 months, side by side.

    Per kind (``new``, ``returning``): patients seen, their revenue in those months, the
    marketing spend aimed at them (acquisition, retention) and what follows from it.
    """

    new_patients: int
    returning_patients: int
    new_revenue: float
    returning_revenue: float
    acquisition_spend: float
    retention_spend: float
    gross_margin: float

    def per_patient(self, kind: str) -> float:
        """Revenue per patient of ``kind`` (NaN without patients)."""
        n, rev = (
            (self.new_patients, self.new_revenue)
            if kind == "new"
            else (self.returning_patients, self.returning_revenue)
        )
        return rev / n if n else float("nan")

    def cost_per_patient(self, kind: str) -> float:
        """Marketing spend per patient of ``kind`` (NaN without spend or patients)."""
        n, spend = (
            (self.new_patients, self.acquisition_spend)
            if kind == "new"
            else (self.returning_patients, self.retention_spend)
        )
        return spend / n if n and spend > 0 else float("nan")

    def margin_per_spend(self, kind: str) -> float:
        """Gross margin earned per unit of marketing spend on ``kind`` (NaN without spend)."""
        rev, spend = (
            (self.new_revenue, self.acquisition_spend)
            if kind == "new"
            else (self.returning_revenue, self.retention_spend)
        )
        return rev * self.gross_margin / spend if spend > 0 else float("nan")

    def to_metrics(self) -> dict[str, Any]:
        """Return JSON-ready figures."""
        out: dict[str, Any] = {
            k: getattr(self, k)
            for k in (
                "new_patients",
                "returning_patients",
                "new_revenue",
                "returning_revenue",
                "acquisition_spend",
                "retention_spend",
            )
        }
        for kind in ("new", "returning"):
            for name in ("per_patient", "cost_per_patient", "margin_per_spend"):
                value = getattr(self, name)(kind)
                out[f"{kind}_{name}"] = None if np.isnan(value) else float(value)
        return out


def acquisition_vs_retention(
    data: ClinicData,
    profile: ClinicProfile,
    as_of: pd.Timestamp,
    *,
    first: pd.Series | None = None,
) -> Comparison:
    """Compare the last 12 months' new and returning patients: patients, revenue, spend.

    New patients are those whose first visit falls in the 12 months ending with ``as_of``'s
    month; their revenue is what they spent in those months. Returning patients are the
    others seen in those months. Spend is the acquisition and retention spend of the same
    months (``economics.*_purposes``). ``first`` is each patient's first visit when
    already made.
    """
    end = pd.Timestamp(as_of).normalize()
    start = end.to_period("M").start_time - pd.DateOffset(months=11)
    first = _first_visits(data, first)["first_visit"]
    v = data.visits
    v = v[(v["visit_date"] >= start) & (v["visit_date"] <= end)]
    is_new = values_for(first, v["patient_id"], "datetime64[ns]") >= np.datetime64(start)
    spend = data.spend if data.has_spend else None
    acq = ret = 0.0
    if spend is not None:
        inside = spend[(spend["month"] >= start) & (spend["month"] <= end)]
        e = profile.economics
        acq = float(inside.loc[inside["purpose"].isin(e.acquisition_purposes), "amount"].sum())
        ret = float(inside.loc[inside["purpose"].isin(e.retention_purposes), "amount"].sum())
    return Comparison(
        new_patients=int(v.loc[is_new, "patient_id"].nunique()),
        returning_patients=int(v.loc[~is_new, "patient_id"].nunique()),
        new_revenue=float(v.loc[is_new, "amount"].sum()),
        returning_revenue=float(v.loc[~is_new, "amount"].sum()),
        acquisition_spend=acq,
        retention_spend=ret,
        gross_margin=profile.clinic.gross_margin,
    )
