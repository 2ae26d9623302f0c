import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinicvalue.analyses.segments.labels import SCHEMES, segment_action, segment_label
from clinicvalue.analyses.segments.rfm import rfm_table
from clinicvalue.analyses.segments.schemes import (
    MEMBER_KEYS,
    RFM8_KEYS,
    SCHEME_COLUMNS,
    SCHEME_KEYS,
    TIER_KEYS,
    rfm8_segment,
    score_columns,
)
from clinicvalue.data import ClinicData
from clinicvalue.errors import OptionError
from clinicvalue.profile import ClinicProfile
from tests.support.clinics import AS_OF, V, data, summary
from tests.support.paths import ROOT

COLUMNS = [
    "recency_days",
    "visits_per_year",
    "rfm_spend",
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


def test_score_columns_hand_computed():
    d = data()
    out = score_columns(d, summary(d), AS_OF, ClinicProfile())
    assert list(out.columns) == COLUMNS
    # mean R = 1576/5 = 315.2 → high A,B,E; F per year A 3, B 1, C 2, D 1, E 2: mean 1.8 →
    # high A,C,E; cumulative M A 60,000, B 50, C 1,500, D 80, E 120,000: mean 36,326 → A,E
    assert out["segment_rfm8"].to_dict() == {
        "A": "core",
        "B": "general",
        "C": "lost",
        "D": "inactive",
        "E": "core",
    }
    # scores (r,f,m): A 4,5,4 → all high; B 5,2,1 stable; C 2,4,3 (M mid) stable;
    # D 1,2,2 low; E 3,4,5 (R mid) → stable
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
    # median R 90 → high A,B (<90); median F 2 → high A (>2); median M 1,500 → high A,E
    assert med.to_dict() == {
        "A": "core",
        "B": "general",
        "C": "inactive",
        "D": "inactive",
        "E": "sleeping",
    }
    sc = rfm8_segment(t, ClinicProfile().replace(rfm__split="score"))
    # cutoff 3: E r3 f4 m5 → core; B r5 f2 m1 → general; C r2 f4 m3 → at_risk
    assert sc[["B", "C", "E"]].tolist() == ["general", "at_risk", "core"]


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


def assert_partition(out: pd.DataFrame, index: pd.Index, profile: ClinicProfile) -> None:
    """Every patient exactly once, every scheme column one of its scheme's keys."""
    assert out.index.equals(index) and out.index.is_unique
    assert out.notna().all().all()
    allowed = dict(SCHEME_KEYS)
    allowed["membership"] = MEMBER_KEYS[profile.membership.scheme]
    for column, scheme in SCHEME_COLUMNS.items():
        assert out[column].isin(allowed[scheme]).all(), column
        # sizes over the scheme's keys add up to the patients: nobody twice, nobody lost
        assert out[column].value_counts().reindex(allowed[scheme]).fillna(0).sum() == len(out)
    assert out[["r_score", "f_score", "m_score"]].isin(range(1, 6)).all().all()
    assert (out["points"] >= 0).all()


PROFILES = st.builds(
    lambda split, scheme, lookback, monetary: ClinicProfile().replace(
        rfm__split=split,
        membership__scheme=scheme,
        rfm__lookback_months=lookback,
        rfm__monetary=monetary,
    ),
    st.sampled_from(["mean", "median", "score"]),
    st.sampled_from(["three", "four"]),
    st.sampled_from([0, 1, 12, 24]),
    st.sampled_from(["cumulative", "per_year"]),
)
TREATMENTS = [None, "implant", "cleaning", "Crown; 洗牙", "massage"]


@st.composite
def clinics(draw, *, one_patient=False, one_time=False, identical=False):
    n_pat = 1 if one_patient else draw(st.integers(1, 6))
    visit = st.tuples(
        st.integers(0, n_pat - 1),
        st.integers(-30, 900),  # days before AS_OF; negative = after it
        st.floats(-500, 200000, allow_nan=False),
        st.sampled_from(TREATMENTS),
    )
    rows = draw(st.lists(visit, min_size=1, max_size=25))
    if identical:  # every patient has the same visits
        rows = [(p, d, a, t) for p in range(n_pat) for _, d, a, t in rows]
    v = pd.DataFrame(rows, columns=["patient_id", "day", "amount", "treatment"])
    v["patient_id"] = ("0" + v["patient_id"].astype(str)).astype("string")  # leading zero
    v["visit_date"] = AS_OF - pd.to_timedelta(v.pop("day"), unit="D")
    v["treatment"] = v["treatment"].astype("string")
    v = v.drop_duplicates(["patient_id", "visit_date"])
    if one_time:
        v = v.drop_duplicates("patient_id")
    v = v.loc[v["visit_date"] <= AS_OF]
    if v.empty:
        v = pd.DataFrame(
            {
                "patient_id": pd.array(["00"], dtype="string"),
                "visit_date": [AS_OF],
                "amount": [0.0],
                "treatment": pd.array([None], dtype="string"),
            }
        )
    ids = sorted(v["patient_id"].unique())
    refs = draw(st.lists(st.sampled_from([None, *ids, "X"]), min_size=len(ids), max_size=len(ids)))
    patients = pd.DataFrame(
        {"patient_id": pd.array(ids, dtype="string"), "referred_by": pd.array(refs, dtype="string")}
    )
    plan = st.tuples(
        st.sampled_from(ids), st.booleans(), st.sampled_from(["planned", "started", "done"])
    )
    prow = draw(st.lists(plan, max_size=12))
    plans = pd.DataFrame(prow, columns=["patient_id", "is_chief_complaint", "status"])
    plans["patient_id"] = plans["patient_id"].astype("string")
    plans["item"] = "crown"
    v["self_pay"] = v["amount"]
    v["refund"] = v["amount"].clip(upper=0.0)  # loaded visits: refund days already folded
    return ClinicData(visits=v, lines=pd.DataFrame(), patients=patients, plans=plans)


@settings(max_examples=40, deadline=None)
@given(clinics(), PROFILES)
def test_every_scheme_is_a_partition(d, profile):
    s = summary(d)
    assert_partition(score_columns(d, s, AS_OF, profile), s.index, profile)


@settings(max_examples=15, deadline=None)
@given(clinics(one_patient=True), PROFILES)
def test_partition_one_patient(d, profile):
    s = summary(d)
    out = score_columns(d, s, AS_OF, profile)
    assert_partition(out, s.index, profile)
    # one patient: every dimension has one value → every score is 3
    assert out[["r_score", "f_score", "m_score"]].iloc[0].tolist() == [3, 3, 3]


@settings(max_examples=15, deadline=None)
@given(clinics(one_time=True), PROFILES)
def test_partition_all_one_time_patients(d, profile):
    s = summary(d)
    out = score_columns(d, s, AS_OF, profile)
    assert_partition(out, s.index, profile)
    assert (out["points"] == 0).all()  # no return visits


@settings(max_examples=15, deadline=None)
@given(clinics(identical=True), PROFILES)
def test_partition_identical_visits(d, profile):
    s = summary(d)
    out = score_columns(d, s, AS_OF, profile)
    assert_partition(out, s.index, profile)
    # identical histories → identical visit-derived columns (plans and referrals differ)
    from_visits = COLUMNS[:10]
    assert len(out[from_visits].drop_duplicates()) == 1


def test_partition_on_synthetic_clinic():
    from clinicvalue.load import load_clinic
    from clinicvalue.synth import synthesize

    syn = synthesize("dental", patients=3000, seed=1)
    d = load_clinic(syn.visits, patients=syn.patients, plans=syn.plans)
    as_of = pd.Timestamp("2026-10-31")
    s = pd.DataFrame(index=pd.Index(sorted(d.visits["patient_id"].unique()), name="patient_id"))
    for profile in (ClinicProfile(), ClinicProfile().replace(membership__scheme="four")):
        out = score_columns(d, s, as_of, profile)
        assert_partition(out, s.index, profile)
    # the synthetic dental clinic has plans and treatments: those schemes are not trivial
    assert out["interrupted"].nunique() > 1 and out["treatment_value"].nunique() > 1


@pytest.mark.parametrize("kind", ["dental", "general"])
def test_bundled_samples_fill_every_segment_and_tier(kind):
    """The articles' at-risk, lost, sleeping and dormant high value hold patients."""
    from clinicvalue.load import load_clinic

    root = ROOT / "data_samples" / kind
    plans = root / "plans.csv"
    d = load_clinic(
        root / "visits.csv",
        patients=root / "patients.csv",
        plans=plans if plans.exists() else None,
    )
    as_of = d.visits["visit_date"].max()
    s = pd.DataFrame(index=pd.Index(sorted(d.visits["patient_id"].unique()), name="patient_id"))
    profile = ClinicProfile().replace(rfm__self_pay_only=True)
    out = score_columns(d, s, as_of, profile)
    assert_partition(out, s.index, profile)
    rfm8 = out["segment_rfm8"].value_counts()
    tiers = out["tier_value5"].value_counts()
    assert set(rfm8.index) == set(RFM8_KEYS) and rfm8.min() >= 20, rfm8.to_dict()
    assert set(tiers.index) == set(TIER_KEYS) and tiers.min() >= 20, tiers.to_dict()


def _lapsed_loyal_clinic() -> ClinicData:
    """60 patients: 10 came every quarter for four years, spent much, stopped 20 months
    ago; 30 come now and then and spend little; 20 came once this year."""
    rows = []
    for i in range(10):  # lapsed loyal
        last = AS_OF - pd.DateOffset(months=20)
        rows += [(f"L{i}", last - pd.DateOffset(months=3 * k), 8000.0) for k in range(16)]
    for i in range(30):  # current, light
        seen = [AS_OF - pd.DateOffset(months=2 + 7 * k) for k in range(i % 3 + 1)]
        rows += [(f"C{i}", day, 600.0) for day in seen]
    for i in range(20):  # new, once
        rows.append((f"O{i}", AS_OF - pd.DateOffset(months=1 + i // 2), 300.0))
    v = pd.DataFrame(rows, columns=["patient_id", "visit_date", "amount"])
    v["patient_id"] = v["patient_id"].astype("string")
    v["visit_date"] = v["visit_date"].astype("datetime64[ns]")
    return ClinicData(visits=v, lines=pd.DataFrame())


@pytest.mark.parametrize("split", ["mean", "median", "score"])
def test_lapsed_loyal_patients_are_at_risk_and_dormant_high_value(split):
    d = _lapsed_loyal_clinic()
    s = summary(d)
    out = score_columns(d, s, AS_OF, ClinicProfile().replace(rfm__split=split))
    lapsed = out.index.str.startswith("L")
    assert (out.loc[lapsed, "segment_rfm8"] == "at_risk").all(), out.loc[lapsed, "segment_rfm8"]
    assert (out.loc[lapsed, "tier_value5"] == "dormant_high_value").all()
    if split == "mean":  # against the mean no light, recent patient looks at risk
        assert not (out.loc[~lapsed, "segment_rfm8"] == "at_risk").any()
    # the activity layers (004) stay their own scheme: 20 months away is dormant
    assert (out.loc[lapsed, "activity"] == "dormant").all()
    # a 12-month look-back hides them again: that is why it is not the default
    short = score_columns(d, s, AS_OF, ClinicProfile().replace(rfm__lookback_months=12))
    assert (short.loc[lapsed, "segment_rfm8"] == "inactive").all()


def test_treatment_category_first_keyword_wins():
    from clinicvalue.summarize.treatments import treatment_category

    s = pd.Series(["Implant; cleaning", "全瓷冠", None, "massage"], dtype="string")
    out = treatment_category(s, ClinicProfile())
    # "implant" precedes "cleaning" in the profile's keyword order
    assert out.tolist()[:2] == ["implant", "crown"]
    assert out.isna().tolist()[2:] == [True, True]


def test_treatment_flags_any_keyword_counts():
    from clinicvalue.summarize.treatments import treatment_flags

    s = pd.Series(["cleaning; 植牙", "洗牙", None, "massage", "cleaning; 植牙"], dtype="string")
    hv, known = treatment_flags(s, ClinicProfile())
    assert hv.tolist() == [True, False, False, False, True]
    assert known.tolist() == [True, True, False, False, True]


def test_bad_membership_scheme_is_option_error():
    d = data()
    with pytest.raises(OptionError, match="'three', 'four'"):
        score_columns(d, summary(d), AS_OF, ClinicProfile().replace(membership__scheme="five"))
