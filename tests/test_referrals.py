import pandas as pd

from clinicvalue.profile import ClinicProfile
from clinicvalue.referrals import referral_analysis
from tests.test_rfm import V


def test_referrals_hand_computed():
    patients = pd.DataFrame(
        {
            "patient_id": pd.array(list("ABCDE"), dtype="string"),
            "referred_by": pd.array([None, "A", "A", None, "C"], dtype="string"),
        }
    )
    r = referral_analysis(V, patients, ClinicProfile())
    # A referred B (1 visit, 2024) and C (2 visits, first 2023) → one row per year
    assert r.referrers.loc[("A", 2024), "referred"] == 1
    assert r.referrers.loc[("A", 2024), "converted"] == 0
    assert r.referrers.loc[("A", 2023), "converted"] == 1
    assert list(r.key_referrers) == ["A"]  # 2 referrals ≥ key_referrer_min 2
    # referred B, C, E: returned C, E → 2/3
    assert r.comparison.loc[True, "returned_share"] == 2 / 3
    assert r.comparison.loc[False, "patients"] == 2


def test_no_referred_by_note():
    r = referral_analysis(V, None, ClinicProfile())
    assert "no referred_by" in r.note
    assert r.to_metrics()["n_referrers"] == 0
