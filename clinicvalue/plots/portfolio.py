"""The portfolio's chart: one KPI across the batch's clinics, with median and benchmark."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from clinicvalue.errors import check_option
from clinicvalue.plots._style import PALETTE, get_ax, styled
from clinicvalue.text.catalogue import LOCALES
from clinicvalue.text.i18n import t


def plot_kpi_spread(
    names: list[str],
    values: Any,
    *,
    ax: Axes | None = None,
    locale: str = "en",
    title: str = "",
    kind: str = "count",
    median: float = float("nan"),
    benchmark: Any = None,
) -> Axes:
    """Draw one bar per clinic for a KPI, the portfolio's median and an outside benchmark.

    ``benchmark`` is a :class:`~clinicvalue.report.peers.Benchmark` (or ``None``); its
    source is named in the legend.
    """
    check_option("locale", locale, LOCALES)
    vals = np.asarray(values, dtype=float)
    with styled(locale):
        ax = get_ax(ax)
        y = np.arange(len(names))
        ax.barh(y, np.nan_to_num(vals), color=PALETTE[0], height=0.6)
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        if np.isfinite(median):
            ax.axvline(median, color=PALETTE[1], linestyle="--", linewidth=1.2, zorder=3,
                       label=t("portfolio_median", locale))  # fmt: skip
        if benchmark is not None:
            ax.axvline(benchmark.value, color="#c0392b", linestyle=":", linewidth=2.0, zorder=3,
                       label=f"{t('peer_benchmark', locale)}: {benchmark.source}")  # fmt: skip
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4))  # room for "6,000,000"
        if kind == "rate":
            ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        else:
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        if ax.get_legend_handles_labels()[0]:  # below the bars, covering none
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize=7,
                      frameon=False, ncol=2)  # fmt: skip
        ax.set_title(title)
    return ax
