import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinicvalue.data import ClinicData
from clinicvalue.errors import OptionError
from clinicvalue.profile import ClinicProfile
from clinicvalue.rfm import rfm_table
from clinicvalue.segment_labels import SCHEMES, segment_action, segment_label
from clinicvalue.segments import RFM8_KEYS, TIER_KEYS, rfm8_segment, score_columns
from tests.test_rfm import AS_OF, V

COLUMNS = [
    "recency_days",
    "frequency_window",
    "monetary_window",
    "r_score",
    "f_score",
    "m_score",
    "segment_rfm8",
    "tier_value5",
    "activity",
    "treatment_value",
    "interrupted",
    "member_tier",
    "points",
]


def data(visits=V):
    v = visits.copy()
    tr = {"A": "implant; cleaning", "B": "洗牙"}
    v["treatment"] = v["patient_id"].map(tr).astype("string")
    patients = pd.DataFrame(
        {
            "patient_id": pd.array(list("ABCDE"), dtype="string"),
            "referred_by": pd.array([None, "A", None, None, None], dtype="string"),
        }
    )
    plans = pd.DataFrame(
        {
            "patient_id": pd.array(["A", "C", "C", "E"], dtype="string"),
            "item": ["crown", "filling", "crown", "cleaning"],
            "is_chief_complaint": [True, True, False, True],
            "status": ["planned", "done", "planned", "done"],
        }
    )
    return ClinicData(visits=v, lines=pd.DataFrame(), patients=patients, plans=plans)


def summary(d):
    return pd.DataFrame(index=pd.Index(sorted(d.visits["patient_id"].unique()), name="patient_id"))


def test_score_columns_hand_computed():
    d = data()
    out = score_columns(d, summary(d), AS_OF, ClinicProfile())
    assert list(out.columns) == COLUMNS
    # mean R = 1576/5 = 315.2 → high A,B,E; mean F = 7/5 = 1.4 → high A,E;
    # mean M = 180550/5 = 36110 → high A,E
    assert out["segment_rfm8"].to_dict() == {
        "A": "core",
        "B": "general",
        "C": "inactive",
        "D": "inactive",
        "E": "core",
    }
    # scores (r,f,m): A 4,5,4 → all high; B 5,3,2 stable; C 2,3,3 stable; D 1,1,1 low;
    # E 3,4,5 (R mid) → stable
    assert out["tier_value5"].to_dict() == {
        "A": "platinum_vip",
        "B": "stable_value",
        "C": "stable_value",
        "D": "low_value",
        "E": "stable_value",
    }
    # C: 351 d / 30.44 = 11.5 months → lapsing; D 1095 d → dormant
    assert out["activity"].to_dict() == {
        "A": "active",
        "B": "active",
        "C": "lapsing",
        "D": "dormant",
        "E": "active",
    }
    assert out["treatment_value"].to_dict() == {
        "A": "high_value",
        "B": "routine",
        "C": "unknown",
        "D": "unknown",
        "E": "unknown",
    }
    # C: chief done, rest planned, 11.5 months > 1 → interrupted; A consult only but
    # 30 d = 0.99 month ≤ 1; E all done, 2.96 months ≤ 6
    assert out["interrupted"].to_dict() == {
        "A": "not_interrupted",
        "B": "not_interrupted",
        "C": "chief_done_rest_planned",
        "D": "not_interrupted",
        "E": "not_interrupted",
    }
    # 12-month spend A 60,000 ≥ 50,000 elite; E 120,000 ≥ 100,000 brilliant
    assert out["member_tier"].to_dict() == {
        "A": "elite",
        "B": "basic",
        "C": "basic",
        "D": "basic",
        "E": "brilliant",
    }
    # 100 points per return visit: A 2, C 1, E 1
    assert out["points"].to_dict() == {"A": 200, "B": 0, "C": 100, "D": 0, "E": 100}


def test_four_level_membership_any_criterion():
    d = data()
    out = score_columns(d, summary(d), AS_OF, ClinicProfile().replace(membership__scheme="four"))
    # A: 60,000 ≥ silver 20,000, 3 visits ≥ 3, 1 referral ≥ 1 → silver (not gold: 80,000/5/2)
    # E: cumulative 120,000 ≥ gold 80,000 → gold
    assert out["member_tier"].to_dict() == {
        "A": "silver",
        "B": "general",
        "C": "general",
        "D": "general",
        "E": "gold",
    }


def test_median_and_score_split():
    t = rfm_table(V, AS_OF, ClinicProfile())
    med = rfm8_segment(t, ClinicProfile().replace(rfm__split="median"))
    # median R 90 → high A,B (<90); median F 1 → high A,E; median M 500 → high A,E
    assert med.to_dict() == {
        "A": "core",
        "B": "general",
        "C": "inactive",
        "D": "inactive",
        "E": "at_risk",
    }
    sc = rfm8_segment(t, ClinicProfile().replace(rfm__split="score"))
    # cutoff 3: E r3 f4 m5 → core; B r5 f3 m2 → value; C r2 f3 m3 → at_risk
    assert sc[["B", "C", "E"]].tolist() == ["value", "at_risk", "core"]


def test_bad_split_is_option_error():
    t = rfm_table(V, AS_OF, ClinicProfile())
    with pytest.raises(OptionError, match="median"):
        rfm8_segment(t, ClinicProfile().replace(rfm__split="quartile"))


def test_no_plans_means_not_interrupted():
    d = data()
    d2 = ClinicData(visits=d.visits, lines=d.lines, patients=d.patients, plans=None)
    out = score_columns(d2, summary(d2), AS_OF, ClinicProfile())
    assert (out["interrupted"] == "not_interrupted").all()


def test_labels_every_key_every_locale():
    for key in RFM8_KEYS:
        assert segment_label("rfm8", key, "en")
        assert segment_action("rfm8", key, "zh-Hans")
    for key in TIER_KEYS:
        assert segment_label("tier5", key, "zh-Hant")
    assert segment_label("rfm8", "core", "zh-Hant") == "核心客戶"
    assert segment_label("rfm8", "core", "zh-Hans") == "核心客户"
    assert "tier5" in SCHEMES
    with pytest.raises(OptionError, match="zh-Hant"):
        segment_label("rfm8", "core", "fr")
    with pytest.raises(OptionError, match="core"):
        segment_action("rfm8", "vip", "en")


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 800), st.floats(0, 1000)),
        min_size=1,
        max_size=30,
    )
)
def test_every_patient_in_exactly_one_segment(rows):
    v = pd.DataFrame(rows, columns=["patient_id", "day", "amount"])
    v["patient_id"] = v["patient_id"].astype(str).astype("string")
    v["visit_date"] = AS_OF - pd.to_timedelta(v["day"], unit="D")
    v = v.drop_duplicates(["patient_id", "visit_date"])
    d = ClinicData(visits=v, lines=pd.DataFrame())
    s = summary(d)
    out = score_columns(d, s, AS_OF, ClinicProfile())
    assert out.index.equals(s.index)
    assert out["segment_rfm8"].isin(RFM8_KEYS).all()
    assert out["tier_value5"].isin(TIER_KEYS).all()
    assert out.notna().all().all()


def test_treatment_category_first_keyword_wins():
    from clinicvalue.treatments import treatment_category

    s = pd.Series(["Implant; cleaning", "全瓷冠", None, "massage"], dtype="string")
    out = treatment_category(s, ClinicProfile())
    # "implant" precedes "cleaning" in the profile's keyword order
    assert out.tolist()[:2] == ["implant", "crown"]
    assert out.isna().tolist()[2:] == [True, True]
