import pandas as pd
import pytest

from clinicvalue.analyses.economics.referrals import referral_analysis
from clinicvalue.analyses.segments.rfm import rfm_table
from clinicvalue.profile import ClinicProfile
from tests.support.clinics import AS_OF, V

PATIENTS = pd.DataFrame(
    {
        "patient_id": pd.array(list("ABCDE"), dtype="string"),
        "referred_by": pd.array([None, "A", "A", None, "C"], dtype="string"),
    }
)


def test_referrals_hand_computed():
    r = referral_analysis(V, PATIENTS, ClinicProfile(), as_of=AS_OF)
    # A referred B (1 visit, 2024) and C (2 visits, first 2023) → one row per year
    assert r.referrers.loc[("A", 2024), "referred"] == 1
    assert r.referrers.loc[("A", 2024), "returned"] == 0
    assert r.referrers.loc[("A", 2023), "returned"] == 1
    assert list(r.key_referrers) == ["A"]  # 2 referrals ≥ key_referrer_min 2
    # referred B, C, E: returned C, E → 2/3
    assert r.comparison.loc[True, "returned_share"] == 2 / 3
    assert r.comparison.loc[False, "patients"] == 2
    # valuable = M score ≥ 3 (test_rfm: M scores A4 B2 C3 D1 E5): referred C, E → 2/3;
    # not referred A (yes), D (no) → 1/2
    assert r.referrers.loc[("A", 2024), "valuable"] == 0
    assert r.referrers.loc[("A", 2023), "valuable"] == 1
    assert r.referrers.loc[("C", 2024), "valuable"] == 1
    assert r.comparison.loc[True, "valuable_share"] == pytest.approx(2 / 3)
    assert r.comparison.loc[False, "valuable_share"] == 0.5
    m = r.to_metrics()
    assert m["referred_patients"] == 3 and m["n_referrers"] == 2
    # rows (A,2023) 1, (A,2024) 1, (C,2024) 1 → 1 referral per referrer-year
    assert m["referrals_per_referrer_year"] == 1.0
    assert m["referred_valuable_share"] == pytest.approx(2 / 3)


def test_scores_frame_decides_valuable():
    scores = rfm_table(V, AS_OF, ClinicProfile()).assign(m_score=1)  # nobody valuable
    r = referral_analysis(V, PATIENTS, ClinicProfile(), as_of=AS_OF, scores=scores)
    assert r.comparison["valuable_share"].tolist() == [0.0, 0.0]
    # a stricter profile: valuable needs M score ≥ 5 → only E among the referred
    p = ClinicProfile().replace(rfm__tier_low_score=4)
    r = referral_analysis(V, PATIENTS, p, as_of=AS_OF)
    assert r.comparison.loc[True, "valuable_share"] == pytest.approx(1 / 3)


def test_no_referred_by_note():
    r = referral_analysis(V, None, ClinicProfile())
    assert "no referred_by" in r.note
    assert r.to_metrics()["n_referrers"] == 0
    assert r.to_metrics()["referred_valuable_share"] is None
