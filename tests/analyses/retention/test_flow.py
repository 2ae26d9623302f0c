"""Tests for clinicvalue.analyses.retention.flow."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinicvalue.analyses.retention.flow import patient_flow
from clinicvalue.errors import InputError
from clinicvalue.profile import ClinicProfile

P3 = ClinicProfile().replace(activity__kpi_active_months=3)


def _v(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": pd.array([r[0] for r in rows], dtype="string"),
            "visit_date": pd.to_datetime([r[1] for r in rows]),
        }
    )


def test_hand_computed_flow_with_three_month_window() -> None:
    # a: Jan, then Jul (lost in Apr, reactivated Jul); b: Feb, Apr (stays active)
    v = _v([("a", "2026-01-10"), ("a", "2026-07-01"), ("b", "2026-02-01"), ("b", "2026-04-30")])
    f = patient_flow(v, "2026-08-15", P3)
    m = lambda s: pd.Timestamp(s)  # noqa: E731
    assert f.loc[m("2026-01-01"), "new"] == 1
    assert f.loc[m("2026-02-01"), "new"] == 1
    assert f.loc[m("2026-04-01"), "lost"] == 1  # a: no visit in Feb–Apr
    assert f.loc[m("2026-04-01"), "active_end"] == 1
    assert f.loc[m("2026-07-01"), "lost"] == 1  # b: none in May–Jul
    assert f.loc[m("2026-07-01"), "reactivated"] == 1
    assert f.loc[m("2026-07-01"), "retention_rate"] == 0.0
    assert f.loc[m("2026-04-01"), "loss_rate"] == 0.5
    assert f.index.max() == m("2026-08-01")


def test_visit_in_the_month_the_window_lapses_keeps_patient_active() -> None:
    v = _v([("a", "2026-01-10"), ("a", "2026-04-10")])
    f = patient_flow(v, "2026-05-01", P3)
    assert f["lost"].sum() == 0 and f["reactivated"].sum() == 0


def test_missing_column() -> None:
    with pytest.raises(InputError, match="visit_date"):
        patient_flow(pd.DataFrame({"patient_id": ["a"]}), "2026-01-01", P3)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 900)), min_size=1, max_size=40))
def test_identities(rows: list[tuple[int, int]]) -> None:
    v = pd.DataFrame(
        {
            "patient_id": pd.array([str(p) for p, _ in rows], dtype="string"),
            "visit_date": pd.Timestamp("2024-01-01") + pd.to_timedelta([d for _, d in rows], "D"),
        }
    )
    f = patient_flow(v, "2026-12-31", P3)
    lhs = f["active_end"].to_numpy()
    rhs = (f["active_start"] + f["new"] + f["reactivated"] - f["lost"]).to_numpy()
    assert np.array_equal(lhs, rhs)
    assert (f["active_end"] >= 0).all()
    assert f["new"].sum() == v["patient_id"].nunique()
    assert np.array_equal(f["active_start"].to_numpy()[1:], lhs[:-1])
