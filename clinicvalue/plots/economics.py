"""Charts for acquisition vs retention economics: CAC vs LTV, new vs returning, uplift."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from clinicvalue.analyses.economics.channels import Economics
from clinicvalue.analyses.economics.uplift import Uplift
from clinicvalue.errors import check_option
from clinicvalue.plots._style import GOOD, PALETTE, get_ax, styled
from clinicvalue.text.catalogue import LOCALES, by_locale
from clinicvalue.text.i18n import month_ticks

_T = by_locale("plots.economics")


def _t(key: str, locale: str) -> str:
    return _T[key][locale]


def plot_cac_vs_ltv(result: Economics, *, ax: Axes | None = None, locale: str = "en") -> Axes:
    """Draw CAC and a new patient's LTV per channel as grouped bars with 3 × CAC marks."""
    check_option("locale", locale, LOCALES)
    by = result.by_channel
    with styled(locale):
        ax = get_ax(ax)
        x = np.arange(len(by))
        if len(by):
            ax.bar(x - 0.2, by["cac"], 0.4, color=PALETTE[1], label=_t("cac", locale))
            ax.bar(x + 0.2, by["ltv"], 0.4, color=PALETTE[0], label=_t("ltv", locale))
            ax.hlines(3 * by["cac"], x - 0.4, x + 0.4, colors=GOOD, linestyles="--",
                      label=_t("guide", locale))  # fmt: skip
            top = float(np.nanmax(np.r_[by["cac"] * 3, by["ltv"], by["cac"], 0.0]))
            if top > 0:  # room above the bars for the legend, which then covers none
                ax.set_ylim(0, top * 1.3)
            ax.legend(loc="upper left", ncol=3, frameon=False)
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
        labels = month_ticks(s.index, locale)
        x = np.arange(len(s))
        ax.bar(x, s["new_revenue"], color=PALETTE[1], label=_t("new", locale))
        ax.bar(x, s["returning_revenue"], bottom=s["new_revenue"], color=PALETTE[0],
               label=_t("returning", locale))  # fmt: skip
        ax.set_xticks(x, labels)
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
