"""The owner's KPIs as the report names them: labels, formulas (for the appendix), direction.

The values are computed in :mod:`clinicvalue.analyses.kpis` and carried by
:class:`~clinicvalue.analyses.run.Analyses`; this module only describes them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["KpiDef", "KPIS", "kpi_def"]


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
            "Patients with an attended visit in the last {active} calendar months, the report "
            "month included.",
            "最近 {active} 個日曆月（含報告月份）內有實際就診的病患人數。",
            "最近 {active} 个日历月（含报告月份）内有实际就诊的患者人数。",
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
            "Of the patients first seen 90–179 days before the month end, the share who came "
            "back within 90 days of their first visit.",
            "月底前 90–179 天首次就診的病患中，於首次就診後 90 天內再次回診者的比例。",
            "月底前 90–179 天首次就诊的患者中，于首次就诊后 90 天内再次复诊者的比例。",
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
