import math

import pandas as pd
import pytest

from clinicvalue.analyses.segments.summary import scheme_keys, segmentation_summary
from clinicvalue.errors import InputError

S = pd.DataFrame(
    {
        "recency_days": [10, 20, 400, 30],
        "visits_per_year": [4, 2, 0, 1],
        "rfm_spend": [600.0, 200.0, 0.0, 200.0],
        "r_score": [5, 4, 1, 3],
        "f_score": [5, 4, 1, 2],
        "m_score": [5, 4, 1, 4],
        "segment_rfm8": ["core", "core", "inactive", "general"],
        "member_tier": ["gold", "silver", "general", "general"],
    },
    index=pd.Index(list("ABCD"), name="patient_id"),
)


def test_sizes_revenue_and_means_hand_computed():
    s = segmentation_summary(S)
    t = s.tables["segment_rfm8"]
    # all eight keys in display order, empty ones with 0 patients
    assert list(t.index)[:2] == ["core", "value"] and len(t) == 8
    assert t.loc["core", "patients"] == 2 and t.loc["value", "patients"] == 0
    assert t["patients"].sum() == 4  # a partition
    # core: A + B = 800 of 1,000 revenue; mean R (10 + 20) / 2 = 15, mean M score 4.5
    assert t.loc["core", "revenue_share"] == pytest.approx(0.8)
    assert t.loc["core", "mean_recency_days"] == 15
    assert t.loc["core", "mean_m_score"] == 4.5
    assert t.loc["general", "patient_share"] == 0.25
    assert math.isnan(t.loc["value", "mean_monetary"])
    m = s.to_metrics()
    assert m["n_patients"] == 4 and m["total_revenue"] == 1000.0
    assert m["schemes"]["segment_rfm8"]["value"]["mean_monetary"] is None
    assert m["schemes"]["segment_rfm8"]["core"]["patients"] == 2
    # membership keeps the four-level keys its values come from
    assert list(s.tables["member_tier"].index) == ["platinum", "gold", "silver", "general"]


def test_revenue_override():
    rev = pd.Series({"A": 1.0, "B": 1.0, "C": 1.0, "D": 1.0})
    t = segmentation_summary(S, revenue=rev).tables["segment_rfm8"]
    assert t.loc["inactive", "revenue_share"] == 0.25


def test_errors():
    with pytest.raises(InputError, match="no segment column"):
        segmentation_summary(S[["rfm_spend"]])
    with pytest.raises(InputError, match="pass revenue="):
        segmentation_summary(S[["segment_rfm8"]])
    with pytest.raises(InputError, match="no value for patients \\['D'\\]"):
        segmentation_summary(S, revenue=pd.Series({"A": 1.0, "B": 1.0, "C": 1.0}))
    with pytest.raises(InputError, match="not keys of scheme 'rfm8'"):
        scheme_keys("segment_rfm8", pd.Series(["core", "vip"]))
