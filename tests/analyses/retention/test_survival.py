"""Tests for clinicvalue.analyses.retention.survival (Kaplan–Meier computed by hand)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from clinicvalue.analyses.retention.survival import time_to_return


def _returns() -> pd.DataFrame:
    # returned at 10 and 20 days; censored at 15 and 40 days
    idx = pd.Index(["a", "b", "c", "d"], dtype="string", name="patient_id")
    return pd.DataFrame(
        {"days_to_return": [10.0, np.nan, 20.0, np.nan], "follow_up_days": [300, 15, 300, 40]},
        index=idx,
    )


def test_km_matches_hand_product_limit() -> None:
    r = time_to_return(_returns())
    curve = r.curves.set_index("days")["not_returned"]
    assert curve[10.0] == pytest.approx(3 / 4)
    assert curve[20.0] == pytest.approx(3 / 4 * 1 / 2)  # c at risk with d; b censored
    row = r.table.loc["all"]
    assert row["median_days"] == 20
    assert row["p_return_3m"] == pytest.approx(0.625)
    assert row["at_risk_0"] == 4 and row["at_risk_90"] == 0
    assert (r.curves["ci_low"] <= r.curves["not_returned"]).all()


def test_median_nan_when_not_reached_and_groups() -> None:
    groups = pd.Series(["x", "y", "y", "y"], index=pd.Index(["a", "b", "c", "d"], dtype="string"))
    r = time_to_return(_returns(), groups=groups)
    assert r.table.loc["x", "median_days"] == 10
    assert r.table.loc["y", "median_days"] == 20  # at 20: c and d at risk, S = 1/2
    assert r.table.loc["y", "returned"] == 1
    json.dumps(r.to_metrics())
    late = _returns().assign(days_to_return=[10.0, np.nan, np.nan, np.nan], follow_up_days=300)
    assert np.isnan(time_to_return(late).table.loc["all", "median_days"])  # S = 3/4


def test_group_without_returns() -> None:
    ret = _returns().assign(days_to_return=np.nan)
    r = time_to_return(ret)
    assert r.table.loc["all", "p_return_12m"] == 0.0 and len(r.curves) == 0
