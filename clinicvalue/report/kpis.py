"""The owner's KPIs: definitions, formulas (for the appendix) and the core computations.

Core KPIs come straight from the visits of the report month; the model KPIs (patients at
risk, CLV at risk, total CLV, LTV:CAC) are filled in by the analyses when they run.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from clinicvalue.names import parse_month
from clinicvalue.profile import ClinicProfile

__all__ = ["KpiDef", "KPIS", "month_bounds", "first_visits", "core_kpis", "monthly_series"]


@dataclass(frozen=True)
class KpiDef:
    """One KPI: its key, labels, formula text, kind of value and which way is good."""

    key: str
    label: tuple[str, str, str]  # en, zh-Hant, zh-Hans
    formula: tuple[str, str, str]
    kind: str  # count, money, rate or ratio
    higher_is_better: bool = True

    @property
    def change_kind(self) -> str:
        """``points`` for rates (change in percentage points), else ``relative``."""
        return "points" if self.kind == "rate" else "relative"


KPIS: tuple[KpiDef, ...] = (
    KpiDef(
        "active_patients",
        ("Active patients", "活躍病患", "活跃患者"),
        (
            "Patients with a completed visit in the last {active} months up to the month end.",
            "截至月底前 {active} 個月內有完成就診的病患人數。",
            "截至月底前 {active} 个月内有完成就诊的患者人数。",
        ),
        "count",
    ),
    KpiDef(
        "new_patients",
        ("New patients", "新病患", "新患者"),
        (
            "Patients whose first visit ever falls in the report month.",
            "首次就診落在報告月份的病患人數。",
            "首次就诊落在报告月份的患者人数。",
        ),
        "count",
    ),
    KpiDef(
        "revisit_rate_90d",
        ("90-day revisit rate", "90 天回診率", "90 天复诊率"),
        (
            "Of the patients first seen 91–180 days before the month end, the share who came "
            "back within 90 days of their first visit.",
            "月底前 91–180 天首次就診的病患中，於首次就診後 90 天內再次回診者的比例。",
            "月底前 91–180 天首次就诊的患者中，于首次就诊后 90 天内再次复诊者的比例。",
        ),
        "rate",
    ),
    KpiDef(
        "revenue",
        ("Revenue", "營收", "营收"),
        (
            "Sum of visit amounts (net of refunds) in the report month.",
            "報告月份所有就診金額合計（已扣除退款）。",
            "报告月份所有就诊金额合计（已扣除退款）。",
        ),
        "money",
    ),
    KpiDef(
        "revenue_new",
        ("Revenue from new patients", "新病患營收", "新患者营收"),
        (
            "Revenue in the month from patients whose first visit is in the month.",
            "當月首次就診病患於當月產生的營收。",
            "当月首次就诊患者于当月产生的营收。",
        ),
        "money",
    ),
    KpiDef(
        "revenue_returning",
        ("Revenue from returning patients", "舊病患營收", "老患者营收"),
        (
            "Revenue in the month from patients first seen before the month.",
            "當月以前已就診過的病患於當月產生的營收。",
            "当月以前已就诊过的患者于当月产生的营收。",
        ),
        "money",
    ),
    KpiDef(
        "returning_revenue_share",
        ("Returning share of revenue", "舊病患營收占比", "老患者营收占比"),
        (
            "Revenue from returning patients ÷ revenue.",
            "舊病患營收 ÷ 營收。",
            "老患者营收 ÷ 营收。",
        ),
        "rate",
    ),
    KpiDef(
        "avg_spend_per_visit",
        ("Average spend per visit", "平均每次就診消費", "平均每次就诊消费"),
        (
            "Revenue in the month ÷ visits in the month.",
            "當月營收 ÷ 當月就診次數。",
            "当月营收 ÷ 当月就诊次数。",
        ),
        "money",
    ),
    KpiDef(
        "visits",
        ("Visits", "就診次數", "就诊次数"),
        (
            "Distinct (patient, day) visits attended in the month.",
            "當月實際就診的（病患、日期）組合數。",
            "当月实际就诊的（患者、日期）组合数。",
        ),
        "count",
    ),
    KpiDef(
        "at_risk_patients",
        ("Patients flagged at risk", "流失預警病患", "流失预警患者"),
        (
            "Patients with at least one churn warning signal (overdue, low satisfaction, "
            "complaint, spend decline) at the month end.",
            "月底時至少出現一項流失預警訊號（逾期未回診、滿意度低、客訴、消費下降）的病患人數。",
            "月底时至少出现一项流失预警信号（逾期未复诊、满意度低、投诉、消费下降）的患者人数。",
        ),
        "count",
        higher_is_better=False,
    ),
    KpiDef(
        "clv_at_risk",
        ("CLV at risk", "流失風險中的終身價值", "流失风险中的终身价值"),
        (
            "Sum of the predicted lifetime value of the patients flagged at risk.",
            "流失預警病患的預測終身價值合計。",
            "流失预警患者的预测终身价值合计。",
        ),
        "money",
        higher_is_better=False,
    ),
    KpiDef(
        "total_clv",
        ("Total CLV", "終身價值總額", "终身价值总额"),
        (
            "Sum over patients of expected visits in the horizon × expected spend per visit "
            "(BG/NBD × Gamma-Gamma), discounted.",
            "所有病患於預測期間的預期就診次數 × 預期每次消費（BG/NBD × Gamma-Gamma）之折現合計。",
            "所有患者于预测期间的预期就诊次数 × 预期每次消费（BG/NBD × Gamma-Gamma）之折现合计。",
        ),
        "money",
    ),
    KpiDef(
        "ltv_cac",
        ("LTV:CAC", "終身價值／獲客成本", "终身价值／获客成本"),
        (
            "Average lifetime value of a new patient ÷ acquisition spend per new patient.",
            "新病患平均終身價值 ÷ 每位新病患的獲客成本。",
            "新患者平均终身价值 ÷ 每位新患者的获客成本。",
        ),
        "ratio",
    ),
)

_BY_KEY = {k.key: k for k in KPIS}


def kpi_def(key: str) -> KpiDef:
    """Return the definition of KPI ``key``."""
    return _BY_KEY[key]


def month_bounds(month: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Return the first and last day of ``month`` (``"YYYY-MM"``).

    Raises
    ------
    InputError
        When ``month`` is not of the form ``YYYY-MM`` (see :func:`parse_month`).
    """
    start = pd.Timestamp(f"{parse_month(month, allow_previous=False)}-01")
    return start, start + pd.offsets.MonthEnd(0)


def first_visits(visits: pd.DataFrame, patients: pd.DataFrame | None = None) -> pd.Series:
    """Return each patient's first visit: the earlier of the visits and the register."""
    first = visits.groupby("patient_id", sort=False)["visit_date"].min()
    if patients is not None and "first_visit" in patients.columns:
        reg = patients.set_index("patient_id")["first_visit"].dropna()
        both = pd.concat([first, reg[reg.index.isin(first.index)]])
        first = both.groupby(level=0, sort=False).min().reindex(first.index)
    return first


def core_kpis(
    visits: pd.DataFrame,
    *,
    month: str,
    profile: ClinicProfile,
    patients: pd.DataFrame | None = None,
) -> dict[str, float]:
    """Compute the KPIs that need only the visits (and the register's first visits).

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
    """
    start, end = month_bounds(month)
    v = visits[visits["visit_date"] <= end]
    first = first_visits(v, patients) if len(v) else pd.Series(dtype="datetime64[ns]")
    active_from = end - pd.DateOffset(months=profile.activity.kpi_active_months)
    in_active = v["visit_date"] > active_from
    in_month = v["visit_date"] >= start
    vm = v[in_month]
    new_ids = first.index[(first >= start) & (first <= end)]
    is_new = vm["patient_id"].isin(new_ids)
    revenue = float(vm["amount"].sum())
    rev_new = float(vm.loc[is_new, "amount"].sum())
    n_visits = int(len(vm))

    cohort = first[(first > end - pd.Timedelta(days=180)) & (first <= end - pd.Timedelta(days=90))]
    if len(cohort):
        vv = v[v["patient_id"].isin(cohort.index)]
        gap = vv["visit_date"] - vv["patient_id"].map(cohort)
        back = vv.loc[(gap > pd.Timedelta(0)) & (gap <= pd.Timedelta(days=90)), "patient_id"]
        revisit = back.nunique() / len(cohort)
    else:
        revisit = float("nan")
    return {
        "active_patients": int(v.loc[in_active, "patient_id"].nunique()),
        "new_patients": int(len(new_ids)),
        "revisit_rate_90d": float(revisit),
        "revenue": revenue,
        "revenue_new": rev_new,
        "revenue_returning": revenue - rev_new,
        "returning_revenue_share": (revenue - rev_new) / revenue if revenue else float("nan"),
        "avg_spend_per_visit": revenue / n_visits if n_visits else float("nan"),
        "visits": n_visits,
    }


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
