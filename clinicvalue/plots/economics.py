"""Charts for acquisition vs retention economics: CAC vs LTV, new vs returning, uplift."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from clinicvalue.analyses.economics.channels import Economics
from clinicvalue.analyses.economics.uplift import Uplift
from clinicvalue.errors import check_option
from clinicvalue.plots._style import GOOD, PALETTE, get_ax, styled

LOCALES = ("en", "zh-Hant", "zh-Hans")
_T = {
    "cac_ltv_title": {
        "en": "Acquisition cost vs lifetime value by channel",
        "zh-Hant": "各渠道獲客成本與終身價值",
        "zh-Hans": "各渠道获客成本与终身价值",
    },
    "cac": {"en": "CAC", "zh-Hant": "獲客成本", "zh-Hans": "获客成本"},
    "ltv": {"en": "LTV (margin)", "zh-Hant": "終身價值（毛利）", "zh-Hans": "终身价值（毛利）"},
    "guide": {"en": "3 × CAC", "zh-Hant": "3 倍獲客成本", "zh-Hans": "3 倍获客成本"},
    "amount": {"en": "Amount per patient", "zh-Hant": "每位患者金額", "zh-Hans": "每位患者金额"},
    "rev_title": {
        "en": "Revenue from new vs returning patients",
        "zh-Hant": "新患者與回診患者營收",
        "zh-Hans": "新患者与复诊患者营收",
    },
    "new": {"en": "New patients", "zh-Hant": "新患者", "zh-Hans": "新患者"},
    "returning": {"en": "Returning patients", "zh-Hant": "回診患者", "zh-Hans": "复诊患者"},
    "revenue": {"en": "Revenue", "zh-Hant": "營收", "zh-Hans": "营收"},
    "uplift_title": {
        "en": "Margin gained by higher 12-month retention",
        "zh-Hant": "提升 12 個月留存率帶來的毛利",
        "zh-Hans": "提升 12 个月留存率带来的毛利",
    },
    "points": {
        "en": "Retention gain (percentage points)",
        "zh-Hant": "留存率提升（百分點）",
        "zh-Hans": "留存率提升（百分点）",
    },
    "margin": {"en": "Margin gained", "zh-Hant": "增加毛利", "zh-Hans": "增加毛利"},
    "acq_cost": {
        "en": "Same margin via acquisition (cost)",
        "zh-Hant": "以獲客取得同等毛利的成本",
        "zh-Hans": "以获客取得同等毛利的成本",
    },
}


def _t(key: str, locale: str) -> str:
    return _T[key][locale]


def plot_cac_vs_ltv(result: Economics, *, ax: Axes | None = None, locale: str = "en") -> Axes:
    """Draw CAC and margin LTV per channel as grouped bars with 3 × CAC guide marks."""
    check_option("locale", locale, LOCALES)
    by = result.by_channel
    with styled(locale):
        ax = get_ax(ax)
        x = np.arange(len(by))
        if len(by):
            gm = by["ltv_cac"] * by["cac"]  # margin LTV
            ax.bar(x - 0.2, by["cac"], 0.4, color=PALETTE[1], label=_t("cac", locale))
            ax.bar(x + 0.2, gm, 0.4, color=PALETTE[0], label=_t("ltv", locale))
            ax.hlines(3 * by["cac"], x - 0.4, x + 0.4, colors=GOOD, linestyles="--",
                      label=_t("guide", locale))  # fmt: skip
            ax.legend()
        ax.set_xticks(x, [str(c) for c in by.index])
        ax.set_title(_t("cac_ltv_title", locale))
        ax.set_ylabel(_t("amount", locale))
    return ax


def plot_revenue_split(result: Economics, *, ax: Axes | None = None, locale: str = "en") -> Axes:
    """Draw monthly revenue stacked into new and returning patients."""
    check_option("locale", locale, LOCALES)
    s = result.revenue_split
    with styled(locale):
        ax = get_ax(ax)
        labels = [m.strftime("%Y-%m") for m in s.index]
        x = np.arange(len(s))
        ax.bar(x, s["new_revenue"], color=PALETTE[1], label=_t("new", locale))
        ax.bar(x, s["returning_revenue"], bottom=s["new_revenue"], color=PALETTE[0],
               label=_t("returning", locale))  # fmt: skip
        ax.set_xticks(x, labels, rotation=45, ha="right")
        ax.set_title(_t("rev_title", locale))
        ax.set_ylabel(_t("revenue", locale))
        ax.legend()
    return ax


def plot_uplift(result: Uplift, *, ax: Axes | None = None, locale: str = "en") -> Axes:
    """Draw margin gained against the retention gain, with the acquisition-cost equivalent."""
    check_option("locale", locale, LOCALES)
    t = result.table
    with styled(locale):
        ax = get_ax(ax)
        pts = t["points"] * 100
        ax.plot(pts, t["margin_gained"], marker="o", color=PALETTE[0], label=_t("margin", locale))
        if t["acquisition_cost"].notna().any():
            ax.plot(pts, t["acquisition_cost"], marker="s", linestyle="--", color=PALETTE[1],
                    label=_t("acq_cost", locale))  # fmt: skip
        ax.set_title(_t("uplift_title", locale))
        ax.set_xlabel(_t("points", locale))
        ax.set_ylabel(_t("margin", locale))
        ax.legend()
    return ax
