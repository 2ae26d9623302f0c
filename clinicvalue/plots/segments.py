"""Segment charts: sizes and revenue share, R×F heatmap, transitions, Lorenz curve."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from clinicvalue.analyses.segments.concentration import Concentration
from clinicvalue.analyses.segments.labels import LOCALES, segment_label
from clinicvalue.analyses.segments.movement import TransitionResult
from clinicvalue.analyses.segments.schemes import SCHEME_COLUMNS
from clinicvalue.analyses.segments.summary import segmentation_summary
from clinicvalue.errors import check_option
from clinicvalue.plots._style import PALETTE, get_ax, styled
from clinicvalue.text.catalogue import triples

_MEAN_COLS = ("rfm_spend",)

__all__ = ["plot_lorenz", "plot_rf_heatmap", "plot_segment_sizes", "plot_transitions"]

_TXT = triples("plots.segments")


def _t(key: str, locale: str) -> str:
    check_option("locale", locale, LOCALES)
    return _TXT[key][LOCALES.index(locale)]


def plot_segment_sizes(
    scores: pd.DataFrame,
    *,
    scheme_column: str = "segment_rfm8",
    revenue: pd.Series | None = None,
    ax: Axes | None = None,
    locale: str = "en",
) -> Axes:
    """Draw share of patients and share of revenue per segment of any scheme column.

    Bars follow the scheme's key order, empty segments included; labels come from the
    column's scheme (:data:`~.schemes.SCHEME_COLUMNS`). Revenue defaults to
    ``rfm_spend`` (self-pay spend when ``rfm.self_pay_only``).
    """
    check_option("scheme_column", scheme_column, tuple(SCHEME_COLUMNS))
    check_option("locale", locale, LOCALES)
    cols = [c for c in (scheme_column, *_MEAN_COLS) if c in scores.columns]
    table = segmentation_summary(scores[cols], revenue=revenue).tables[scheme_column]
    scheme = SCHEME_COLUMNS[scheme_column]
    keys = list(table.index)
    with styled(locale):
        ax = get_ax(ax)
        x = np.arange(len(keys))
        ax.bar(
            x - 0.2,
            table["patient_share"].to_numpy(),
            0.4,
            color=PALETTE[0],
            label=_t("patients", locale),
        )
        ax.bar(
            x + 0.2,
            table["revenue_share"].to_numpy(),
            0.4,
            color=PALETTE[1],
            label=_t("revenue", locale),
        )
        ax.set_xticks(x, [segment_label(scheme, k, locale) for k in keys])
        ax.set_title(_t("sizes", locale))
        ax.legend()
    return ax


def plot_rf_heatmap(scores: pd.DataFrame, *, ax: Axes | None = None, locale: str = "en") -> Axes:
    """Draw mean window spend for each (R score, F score) cell."""
    grid = scores.pivot_table(
        index="r_score", columns="f_score", values="rfm_spend", aggfunc="mean"
    ).reindex(index=range(1, 6), columns=range(1, 6))
    with styled(locale):
        ax = get_ax(ax)
        image = ax.imshow(grid.to_numpy(dtype=float), origin="lower", cmap="Blues")
        ax.figure.colorbar(image, ax=ax, label=_t("mean_spend", locale))
        ax.set_xticks(range(5), [str(i) for i in range(1, 6)])
        ax.set_yticks(range(5), [str(i) for i in range(1, 6)])
        ax.set_xlabel("F")
        ax.set_ylabel("R")
        ax.set_title(_t("rf", locale))
    return ax


def plot_transitions(
    result: TransitionResult, *, ax: Axes | None = None, locale: str = "en"
) -> Axes:
    """Draw the transition matrix as an annotated heatmap."""
    m = result.matrix
    with styled(locale):
        ax = get_ax(ax)
        image = ax.imshow(m.to_numpy(dtype=float), cmap="Blues")
        ax.figure.colorbar(image, ax=ax, label=_t("count", locale))
        for (i, j), v in np.ndenumerate(m.to_numpy()):
            ax.text(j, i, str(int(v)), ha="center", va="center")
        ax.set_xticks(range(m.shape[1]), [str(c) for c in m.columns])
        ax.set_yticks(range(m.shape[0]), [str(r) for r in m.index])
        ax.set_xlabel(_t("after", locale))
        ax.set_ylabel(_t("before", locale))
        ax.set_title(_t("trans", locale))
    return ax


def plot_lorenz(result: Concentration, *, ax: Axes | None = None, locale: str = "en") -> Axes:
    """Draw the Lorenz curve with the line of equality."""
    lz = result.lorenz
    with styled(locale):
        ax = get_ax(ax)
        ax.plot(lz["patient_share"], lz["revenue_share"], color=PALETTE[0])
        ax.plot([0, 1], [0, 1], color=PALETTE[7], linestyle="--")
        ax.set_xlabel(_t("patients", locale))
        ax.set_ylabel(_t("revenue", locale))
        ax.set_title(_t("lorenz", locale))
    return ax
