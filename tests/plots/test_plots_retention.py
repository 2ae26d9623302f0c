"""Tests for clinicvalue.plots.retention (artists, not pixels)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from clinicvalue.analyses.retention.cohorts import cohort_counts, cohort_matrix  # noqa: E402
from clinicvalue.analyses.retention.flow import patient_flow  # noqa: E402
from clinicvalue.analyses.retention.revisit import days_to_return, revisit_rates  # noqa: E402
from clinicvalue.analyses.retention.survival import time_to_return  # noqa: E402
from clinicvalue.errors import OptionError  # noqa: E402
from clinicvalue.plots.retention import (  # noqa: E402
    plot_cohort_heatmap,
    plot_flow,
    plot_revisit_rates,
    plot_time_to_return,
)
from clinicvalue.profile import ClinicProfile  # noqa: E402

AS_OF = "2026-03-15"


def _visits() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": pd.array(["a", "a", "b", "b", "c"], dtype="string"),
            "visit_date": pd.to_datetime(
                ["2025-01-05", "2026-03-01", "2025-01-20", "2025-02-02", "2026-02-10"]
            ),
            "amount": 1.0,
        }
    )


@pytest.fixture(autouse=True)
def _close() -> None:
    yield
    plt.close("all")


def test_heatmap_annotates_reached_cells_only() -> None:
    v = _visits().iloc[[1, 4]].assign(visit_date=pd.to_datetime(["2026-01-05", "2026-02-10"]))
    m = cohort_matrix(cohort_counts(v, AS_OF), AS_OF)
    ax = plot_cohort_heatmap(m, locale="zh-Hant")
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["100%", "0%", "0%", "100%", "0%"]  # Jan: 0..2, Feb: 0..1; Feb m2 blank
    assert ax.get_title() == "各月新病患回診率"


def test_revisit_bars_heights() -> None:
    rates = revisit_rates(days_to_return(_visits(), AS_OF), windows=(30, 90))
    ax = plot_revisit_rates(rates, locale="zh-Hans")
    assert [p.get_height() for p in ax.patches] == pytest.approx(rates["rate"].tolist())
    assert ax.get_title() == "复诊率"


def test_km_and_flow() -> None:
    ax = plot_time_to_return(time_to_return(days_to_return(_visits(), AS_OF)))
    assert ax.get_ylabel() == "Share returned" and len(ax.lines) == 1
    flow = patient_flow(_visits(), AS_OF, ClinicProfile())
    ax2 = plot_flow(flow, locale="zh-Hant")
    assert len(ax2.patches) == 3 * len(flow)
    assert ax2.get_legend_handles_labels()[1] == ["淨變化", "新病患", "回流", "流失"]


def test_bad_locale() -> None:
    with pytest.raises(OptionError, match="locale"):
        plot_flow(pd.DataFrame(), locale="de")
