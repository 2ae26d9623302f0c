"""Retention charts: cohort triangle, revisit rates, time-to-return curves, patient flow."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from clinicvalue.analyses.retention.survival import ReturnCurve
from clinicvalue.errors import check_option
from clinicvalue.plots._style import BAD, GOOD, PALETTE, get_ax, styled
from clinicvalue.text.catalogue import LOCALES, by_locale
from clinicvalue.text.i18n import fmt_month, month_ticks

__all__ = ["plot_cohort_heatmap", "plot_revisit_rates", "plot_time_to_return", "plot_flow"]

_L = by_locale("plots.retention")


def _t(key: str, locale: str) -> str:
    return _L[key][locale]


def plot_cohort_heatmap(
    matrix: pd.DataFrame, *, ax: Axes | None = None, locale: str = "en"
) -> Axes:
    """Draw the cohort triangle; unreached (NaN) cells stay blank, shares annotated in %."""
    check_option("locale", locale, LOCALES)
    values = matrix.drop(columns="cohort_size", errors="ignore").astype("float64")
    with styled(locale):
        ax = get_ax(ax, figsize=(8.0, 0.35 * len(values) + 1.5))
        image = ax.imshow(
            np.ma.masked_invalid(values.to_numpy()), cmap="Blues", vmin=0, vmax=1, aspect="auto"
        )
        bar = ax.figure.colorbar(image, ax=ax, fraction=0.03, pad=0.02)
        bar.set_label(_t("cohort_share", locale))
        bar.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
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
        ax.set_yticks(range(len(values)), [fmt_month(i, locale) for i in values.index])
        ax.set_title(_t("cohort_title", locale))
        ax.set_xlabel(_t("months_since", locale))
        ax.set_ylabel(_t("cohort", locale))
    return ax


def plot_revisit_rates(rates: pd.DataFrame, *, ax: Axes | None = None, locale: str = "en") -> Axes:
    """Draw revisit rates per window as bars with Wilson CI whiskers (first group)."""
    check_option("locale", locale, LOCALES)
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
    check_option("locale", locale, LOCALES)
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
    check_option("locale", locale, LOCALES)
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
        net = flow["new"] + flow["reactivated"] - flow["lost"]
        ax.plot(x, net, "o", color=PALETTE[0], markersize=4, label=_t("net", locale))
        ax.axhline(0, color="#555", linewidth=0.8)
        ax.set_ylabel(_t("patients", locale))
        ax.set_xticks(x, month_ticks(flow.index, locale))
        ax.set_title(_t("flow_title", locale))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=4)
    return ax
