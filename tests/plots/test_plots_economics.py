"""Tests for clinicvalue.plots.economics (artists, not pixels)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from clinicvalue.analyses.economics.channels import economics  # noqa: E402
from clinicvalue.analyses.economics.uplift import retention_uplift  # noqa: E402
from clinicvalue.errors import OptionError  # noqa: E402
from clinicvalue.plots._style import styled  # noqa: E402
from clinicvalue.plots.economics import plot_cac_vs_ltv, plot_revenue_split, plot_uplift  # noqa: E402
from tests.support.clinics import PROFILE, fixture_data  # noqa: E402

NEW_LTV = pd.Series(
    np.r_[np.full(6, 2000.0), np.full(6, 800.0)],
    index=pd.Index([f"p{i:02d}" for i in range(1, 13)], dtype="string"),
)
ECON = economics(fixture_data(), PROFILE, new_ltv=NEW_LTV)
UP = retention_uplift(
    dict(r=0.5, alpha=5.0, a=2.0, b=6.0), n_patients=100, spend_per_visit=1000,
    gross_margin=0.5, cac=750, time_unit="M",
)  # fmt: skip


def _draw(ax, locale):
    with styled(locale):  # render with the locale's CJK font: a missing glyph fails
        ax.figure.canvas.draw()
    plt.close(ax.figure)


@pytest.mark.parametrize("locale", ["en", "zh-Hant", "zh-Hans"])
def test_cac_vs_ltv_bars(locale):
    ax = plot_cac_vs_ltv(ECON, locale=locale)
    heights = [p.get_height() for p in ax.patches]
    by = ECON.by_channel
    assert heights[: len(by)] == pytest.approx(list(by["cac"]))
    assert heights[len(by) :] == pytest.approx(list(by["ltv"]))
    assert [t.get_text() for t in ax.get_xticklabels()] == list(by.index)
    if locale == "zh-Hant":
        assert ax.get_title() == "各管道獲客成本與終身價值"
    _draw(ax, locale)


@pytest.mark.parametrize("locale", ["en", "zh-Hans"])
def test_revenue_split_stacked(locale):
    ax = plot_revenue_split(ECON, locale=locale)
    heights = [p.get_height() for p in ax.patches]
    assert heights == pytest.approx([2500, 2000, 1500, 0, 0, 1500, 1500, 100])
    assert ax.patches[5].get_y() == pytest.approx(2000)  # returning sits on new
    _draw(ax, locale)


def test_uplift_curve():
    locale = "zh-Hant"
    ax = plot_uplift(UP, locale=locale)
    line = ax.get_lines()[0]
    assert list(line.get_xdata()) == pytest.approx([1, 5, 10])
    assert list(line.get_ydata()) == pytest.approx(list(UP.table["margin_gained"]))
    assert len(ax.get_lines()) == 2
    assert ax.get_xlabel() == "留存率提升（百分點）"
    _draw(ax, locale)


def test_bad_locale():
    with pytest.raises(OptionError, match="locale must be one of"):
        plot_uplift(UP, locale="fr")
