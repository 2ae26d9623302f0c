"""Retention charts: cohort triangle, revisit rates, time-to-return curves, patient flow."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from clinicvalue.analyses.retention.survival import ReturnCurve
from clinicvalue.errors import check_option
from clinicvalue.plots._style import BAD, GOOD, PALETTE, get_ax, styled

__all__ = ["plot_cohort_heatmap", "plot_revisit_rates", "plot_time_to_return", "plot_flow"]

_LOCALES = ("en", "zh-Hant", "zh-Hans")
_L = {
    "cohort_title": {
        "en": "Retention by cohort",
        "zh-Hant": "各月新病人回診率",
        "zh-Hans": "各月新病人回诊率",
    },
    "months_since": {
        "en": "Months since first visit",
        "zh-Hant": "首診後月數",
        "zh-Hans": "首诊后月数",
    },
    "cohort": {"en": "First-visit month", "zh-Hant": "首診月份", "zh-Hans": "首诊月份"},
    "revisit_title": {"en": "Revisit rate", "zh-Hant": "回診率", "zh-Hans": "回诊率"},
    "within_days": {"en": "Within days", "zh-Hant": "天數內", "zh-Hans": "天数内"},
    "km_title": {"en": "Time to return", "zh-Hant": "回診所需時間", "zh-Hans": "回诊所需时间"},
    "days": {"en": "Days since first visit", "zh-Hant": "首診後天數", "zh-Hans": "首诊后天数"},
    "returned": {"en": "Share returned", "zh-Hant": "已回診比例", "zh-Hans": "已回诊比例"},
    "flow_title": {"en": "Patient base flow", "zh-Hant": "病人數流動", "zh-Hans": "病人数流动"},
    "new": {"en": "New", "zh-Hant": "新病人", "zh-Hans": "新病人"},
    "reactivated": {"en": "Reactivated", "zh-Hant": "回流", "zh-Hans": "回流"},
    "lost": {"en": "Lost", "zh-Hant": "流失", "zh-Hans": "流失"},
    "active": {
        "en": "Active (end of month)",
        "zh-Hant": "活躍病人（月底）",
        "zh-Hans": "活跃病人（月底）",
    },
}


def _t(key: str, locale: str) -> str:
    return _L[key][locale]


def plot_cohort_heatmap(
    matrix: pd.DataFrame, *, ax: Axes | None = None, locale: str = "en"
) -> Axes:
    """Draw the cohort triangle; unreached (NaN) cells stay blank, shares annotated in %."""
    check_option("locale", locale, _LOCALES)
    values = matrix.drop(columns="cohort_size", errors="ignore").astype("float64")
    with styled(locale):
        ax = get_ax(ax, figsize=(8.0, 0.35 * len(values) + 1.5))
        ax.imshow(
            np.ma.masked_invalid(values.to_numpy()), cmap="Blues", vmin=0, vmax=1, aspect="auto"
        )
        for (i, j), v in np.ndenumerate(values.to_numpy()):
            if not np.isnan(v):
                ax.text(
                    j,
                    i,
                    f"{v:.0%}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if v > 0.6 else "black",
                )
        ax.set_xticks(range(values.shape[1]), [str(c) for c in values.columns])
        ax.set_yticks(range(len(values)), [pd.Timestamp(i).strftime("%Y-%m") for i in values.index])
        ax.set_title(_t("cohort_title", locale))
        ax.set_xlabel(_t("months_since", locale))
        ax.set_ylabel(_t("cohort", locale))
    return ax


def plot_revisit_rates(rates: pd.DataFrame, *, ax: Axes | None = None, locale: str = "en") -> Axes:
    """Draw revisit rates per window as bars with Wilson CI whiskers (first group)."""
    check_option("locale", locale, _LOCALES)
    r = rates[rates["group"] == rates["group"].iloc[0]]
    with styled(locale):
        ax = get_ax(ax)
        x = np.arange(len(r))
        rate = r["rate"].to_numpy(dtype="float64")
        err = np.vstack([rate - r["ci_low"].to_numpy(float), r["ci_high"].to_numpy(float) - rate])
        ax.bar(x, rate, color=PALETTE[0], yerr=err, capsize=4)
        ax.set_xticks(x, [str(d) for d in r["window_days"]])
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_title(_t("revisit_title", locale))
        ax.set_xlabel(_t("within_days", locale))
    return ax


def plot_time_to_return(curve: ReturnCurve, *, ax: Axes | None = None, locale: str = "en") -> Axes:
    """Draw Kaplan–Meier cumulative return curves with confidence bands per group."""
    check_option("locale", locale, _LOCALES)
    with styled(locale):
        ax = get_ax(ax)
        for i, (name, c) in enumerate(curve.curves.groupby("group", sort=True)):
            color = PALETTE[i % len(PALETTE)]
            ax.step(c["days"], 1 - c["not_returned"], where="post", color=color, label=str(name))
            ax.fill_between(
                c["days"], 1 - c["ci_high"], 1 - c["ci_low"], step="post", color=color, alpha=0.2
            )
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_title(_t("km_title", locale))
        ax.set_xlabel(_t("days", locale))
        ax.set_ylabel(_t("returned", locale))
        ax.legend()
    return ax


def plot_flow(flow: pd.DataFrame, *, ax: Axes | None = None, locale: str = "en") -> Axes:
    """Draw new and reactivated (up) and lost (down) bars with the active line."""
    check_option("locale", locale, _LOCALES)
    with styled(locale):
        ax = get_ax(ax)
        x = np.arange(len(flow))
        ax.bar(x, flow["new"], color=GOOD, label=_t("new", locale))
        ax.bar(
            x,
            flow["reactivated"],
            bottom=flow["new"],
            color=PALETTE[6],
            label=_t("reactivated", locale),
        )
        ax.bar(x, -flow["lost"], color=BAD, label=_t("lost", locale))
        line = ax.twinx()
        line.plot(x, flow["active_end"], color=PALETTE[0], label=_t("active", locale))
        line.set_ylabel(_t("active", locale))
        ax.set_xticks(x, [pd.Timestamp(m).strftime("%Y-%m") for m in flow.index], rotation=90)
        ax.set_title(_t("flow_title", locale))
        ax.legend(loc="upper left")
    return ax
