"""Hand-computed 20-patient fixture pinning the scores and segments of every scheme.

As of 2024-12-31, with the RFM look-back set to 12 months (``rfm.lookback_months``; the
default is the whole history, tested in ``test_segments.py``): F is then the visits in it
(a history of at most a year counts as one year) and M the spend in it. The look-back
starts after 2023-12-31, i.e. 366 days back (2024 is a leap year), so a visit counts in F
and M when ``days_ago <= 365``. With n = 20 patients a
score is ``ceil(5 × avg_rank / 20) = ceil(avg_rank / 4)``: ranks 1–4 → 1, 5–8 → 2,
9–12 → 3, 13–16 → 4, 17–20 → 5; tied values share their average rank.
"""

import pandas as pd
import pytest

from clinicvalue.analyses.segments.rfm import rfm_table
from clinicvalue.analyses.segments.schemes import rfm8_segment, score_columns
from clinicvalue.data import ClinicData
from clinicvalue.profile import ClinicProfile

AS_OF = pd.Timestamp("2024-12-31")
WINDOW = ClinicProfile().replace(rfm__lookback_months=12)
IDS = [f"P{i:02d}" for i in range(1, 21)]


def _weekly(pid, last, n, amounts, treatment=None):
    """``n`` visits 7 days apart ending ``last`` days before AS_OF."""
    amounts = amounts if isinstance(amounts, list) else [amounts] * n
    rows = [(pid, last + 7 * k, amounts[k], None) for k in range(n)]
    rows[0] = rows[0][:3] + (treatment,)
    return rows


# (patient, days before AS_OF, amount, treatment)
ROWS = [
    *_weekly("P01", 3, 8, 20000.0, "cleaning; 植牙"),  # F 8, M 160,000
    ("P01", 600, 99999.0, None),  # outside the window: not in F/M, in cumulative spend
    *_weekly("P02", 3, 1, 300.0, "洗牙"),
    ("P02", -5, 777.0, None),  # after AS_OF: ignored everywhere
    *_weekly("P03", 10, 2, 15000.0, "massage"),  # M 30,000
    *_weekly("P04", 20, 5, 200.0),  # M 1,000
    *_weekly("P05", 30, 7, [20000.0] + [10000.0] * 6, "Orthodontics review"),  # M 80,000
    *_weekly("P06", 45, 1, 20000.0, "root canal"),
    *_weekly("P07", 60, 2, 1000.0),
    *_weekly("P08", 75, 3, [100.0, 100.0, 200.0]),  # M 400
    *_weekly("P09", 90, 4, 12500.0),  # M 50,000
    *_weekly("P10", 120, 2, 1500.0),  # M 3,000
    *_weekly("P11", 150, 1, 200.0),
    *_weekly("P12", 180, 1, 40000.0),
    *_weekly("P13", 200, 6, 10000.0),  # M 60,000
    *_weekly("P14", 250, 6, 10000.0),  # M 60,000 (tie with P13)
    *_weekly("P15", 300, 2, 10000.0),  # M 20,000 (tie with P06)
    *_weekly("P16", 330, 3, [30.0, 30.0, 40.0]),  # M 100; last visit 344 d ≤ 365
    ("P17", 400, 5000.0, None),  # outside the window: F 0, M 0
    ("P18", 500, 700.0, None),
    ("P19", 700, 900.0, None),  # P19 and P20 have identical visits
    ("P19", 730, 900.0, None),
    ("P20", 700, 900.0, None),
    ("P20", 730, 900.0, None),
]


def fixture_data() -> ClinicData:
    v = pd.DataFrame(ROWS, columns=["patient_id", "days_ago", "amount", "treatment"])
    v["patient_id"] = v["patient_id"].astype("string")
    v["visit_date"] = AS_OF - pd.to_timedelta(v.pop("days_ago"), unit="D")
    v["treatment"] = v["treatment"].astype("string")
    v["self_pay"] = v["amount"]
    v = v.sort_values(["patient_id", "visit_date"], ignore_index=True)
    patients = pd.DataFrame(
        {
            "patient_id": pd.array(IDS, dtype="string"),
            # P07 referred P02 and P03; P11 referred P10; X999 is no patient of ours
            "referred_by": pd.array(
                [None, "P07", "P07"] + [None] * 6 + ["P11", None, "X999"] + [None] * 8,
                dtype="string",
            ),
        }
    )
    plan_rows = [
        ("P02", "crown", True, "planned"),  # consult only, 3 d < 1 month → not interrupted
        ("P07", "implant", True, "planned"),  # consult only, 60 d = 1.97 months > 1
        ("P07", "crown", False, "planned"),
        ("P08", "filling", True, "done"),  # chief done, rest planned, 2.46 months > 1
        ("P08", "crown", False, "planned"),
        ("P09", "filling", True, "done"),  # partly done, 90 d = 2.96 months ≤ 3 → no
        ("P09", "crown", False, "done"),
        ("P09", "implant", False, "planned"),
        ("P10", "filling", True, "done"),  # partly done, 120 d = 3.94 months > 3
        ("P10", "crown", False, "started"),
        ("P11", "cleaning", True, "done"),  # all done, 150 d = 4.93 months ≤ 6 → no
        ("P13", "cleaning", True, "done"),  # all done, 200 d = 6.57 months > 6
        ("P13", "filling", False, "done"),
        ("P14", "implant", True, "started"),  # chief only started → partly done, 8.2 > 3
        ("P14", "crown", False, "planned"),
        ("P15", "crown", True, "planned"),  # consult only, 9.9 months > 1
        ("P99", "crown", True, "planned"),  # not a scored patient: ignored
    ]
    plans = pd.DataFrame(plan_rows, columns=["patient_id", "item", "is_chief_complaint", "status"])
    plans["patient_id"] = plans["patient_id"].astype("string")
    return ClinicData(visits=v, lines=pd.DataFrame(), patients=patients, plans=plans)


def scores(profile: ClinicProfile | None = None) -> pd.DataFrame:
    d = fixture_data()
    summary = pd.DataFrame(index=pd.Index(IDS, name="patient_id", dtype="string"))
    return score_columns(d, summary, AS_OF, profile or WINDOW)


def col(values) -> dict[str, object]:
    return dict(zip(IDS, values, strict=True))


def test_rfm_raw_values():
    out = scores()
    assert out["recency_days"].to_dict() == col(
        [3, 3, 10, 20, 30, 45, 60, 75, 90, 120, 150, 180, 200, 250, 300, 330, 400, 500, 700, 700]
    )
    assert out["visits_per_year"].to_dict() == col(
        [8, 1, 2, 5, 7, 1, 2, 3, 4, 2, 1, 1, 6, 6, 2, 3, 0, 0, 0, 0]
    )
    assert out["rfm_spend"].to_dict() == col(
        [160000, 300, 30000, 1000, 80000, 20000, 2000, 400, 50000, 3000, 200, 40000]
        + [60000, 60000, 20000, 100, 0, 0, 0, 0]
    )


def test_rfm_scores_with_ties():
    out = scores()
    # R on −days: 700,700 ranks 1–2 (avg 1.5 → 1), 500 r3, 400 r4 → 1; 330…200 ranks 5–8 → 2;
    # 180…90 ranks 9–12 → 3; 75…30 ranks 13–16 → 4; 20, 10 ranks 17–18 → 5; 3,3 avg 19.5 → 5
    assert out["r_score"].tolist() == [5] * 4 + [4] * 4 + [3] * 4 + [2] * 4 + [1] * 4
    # F: four 0s ranks 1–4 → 1; four 1s (P02 P06 P11 P12) 5–8 → 2; four 2s 9–12 → 3;
    # 3s (P08 P16) 13–14 avg 13.5 → 4; 4 → r15 → 4; 5 → r16 → 4; 6s r17–18 → 5; 7, 8 → 5
    assert out["f_score"].to_dict() == col(
        [5, 2, 3, 4, 5, 2, 3, 4, 4, 3, 2, 2, 5, 5, 3, 4, 1, 1, 1, 1]
    )
    # M: four 0s → 1; 100 200 300 400 ranks 5–8 → 2; 1,000 2,000 3,000 ranks 9–11 → 3;
    # 20,000 ×2 ranks 12–13 avg 12.5 → ceil(3.125) = 4; 30k r14, 40k r15, 50k r16 → 4;
    # 60,000 ×2 ranks 17–18 → 5; 80k r19, 160k r20 → 5
    assert out["m_score"].to_dict() == col(
        [5, 2, 4, 3, 5, 4, 3, 2, 4, 3, 2, 4, 5, 5, 4, 2, 1, 1, 1, 1]
    )


def test_rfm8_mean_split():
    # mean R = 4,166 / 20 = 208.3 → high P01–P13; mean F = 54 / 20 = 2.7 → high F ≥ 3:
    # P01 P04 P05 P08 P09 P13 P14 P16; mean M = 527,000 / 20 = 26,350 → high P01 P03 P05
    # P09 P12 P13 P14 (20,000 of P06 and P15 is low)
    assert scores()["segment_rfm8"].to_dict() == col(
        ["core", "general", "potential", "value", "core", "general", "general", "value"]
        + ["core", "general", "general", "potential", "core", "at_risk", "inactive", "lost"]
        + ["inactive"] * 4
    )


def test_rfm8_median_split():
    # median R = (120 + 150) / 2 = 135 → high P01–P10; median F = 2 → high F ≥ 3 (as mean);
    # median M = (2,000 + 3,000) / 2 = 2,500 → high adds P06, P10 (3,000), P15
    out = scores(WINDOW.replace(rfm__split="median"))
    assert out["segment_rfm8"].to_dict() == col(
        ["core", "general", "potential", "value", "core", "potential", "general", "value"]
        + ["core", "potential", "inactive", "sleeping", "at_risk", "at_risk", "sleeping"]
        + ["lost"]
        + ["inactive"] * 4
    )


def test_rfm8_score_split():
    # score ≥ 3 is high: e.g. P03 (5,3,4) core, P08 (4,4,2) value, P15 (2,3,4) at_risk
    p = WINDOW.replace(rfm__split="score")
    out = scores(p)
    assert out["segment_rfm8"].to_dict() == col(
        ["core", "general", "core", "core", "core", "potential", "core", "value", "core"]
        + ["core", "general", "potential", "at_risk", "at_risk", "at_risk", "lost"]
        + ["inactive"] * 4
    )
    # the public helper gives the same on rfm_table
    t = rfm_table(fixture_data().visits, AS_OF, p)
    assert rfm8_segment(t, p).to_dict() == out["segment_rfm8"].to_dict()


def test_value_tiers_with_precedence():
    # high ≥ 4, low ≤ 2. Unnamed combinations land by precedence:
    # P02 (5,2,2) R high but M low → stable; P04 (5,4,3) → stable; P09 (3,4,4) R mid → stable;
    # P15 (2,3,4) R low, F mid, M high → stable; P16 (2,4,2) R low & M low (F high) → low;
    # P06 (4,2,4) → high potential (F not high); P03 (5,3,4) → high potential
    assert scores()["tier_value5"].to_dict() == col(
        ["platinum_vip", "stable_value", "high_potential", "stable_value", "platinum_vip"]
        + ["high_potential", "stable_value", "stable_value", "stable_value", "stable_value"]
        + ["stable_value", "stable_value", "dormant_high_value", "dormant_high_value"]
        + ["stable_value", "low_value"]
        + ["low_value"] * 4
    )


def test_activity_layers():
    # 6 months = 182.6 d, 12 months = 365.25 d: 180 d active, 200–330 d lapsing, ≥ 400 dormant
    assert scores()["activity"].tolist() == ["active"] * 12 + ["lapsing"] * 4 + ["dormant"] * 4


def test_treatment_value():
    # P01 "cleaning; 植牙": implant counts although "cleaning" comes first;
    # P05 "Orthodontics" (case-insensitive "ortho"); P02 洗牙, P06 root canal routine;
    # P03 "massage" matches no keyword
    expected = ["unknown"] * 20
    expected[0] = expected[4] = "high_value"
    expected[1] = expected[5] = "routine"
    assert scores()["treatment_value"].tolist() == expected


def test_interrupted_all_four_categories():
    expected = ["not_interrupted"] * 20
    expected[6] = "consult_only"  # P07
    expected[7] = "chief_done_rest_planned"  # P08
    expected[9] = "partly_done"  # P10
    expected[12] = "all_done"  # P13
    expected[13] = "partly_done"  # P14 chief started
    expected[14] = "consult_only"  # P15
    assert scores()["interrupted"].tolist() == expected


def test_membership_three_levels():
    # 12-month spend = M: P01 160,000 ≥ 100,000 brilliant; ≥ 50,000 elite: P05 80,000,
    # P09 exactly 50,000, P13 and P14 60,000
    expected = ["basic"] * 20
    expected[0] = "brilliant"
    for i in (4, 8, 12, 13):
        expected[i] = "elite"
    assert scores()["member_tier"].tolist() == expected


def test_membership_four_levels():
    # any criterion of a level gives it (spend cumulative; visits in 12 months; referrals):
    # P01 259,999 ≥ 200,000 platinum; P04 5 visits → gold; P05 80,000 → gold; P07 2
    # referrals → gold; P13/P14 6 visits → gold; silver: P03 30,000, P06 20,000, P08 3
    # visits, P09, P11 1 referral, P12, P15 20,000, P16 3 visits; P17 5,000 → general
    out = scores(WINDOW.replace(membership__scheme="four"))
    assert out["member_tier"].to_dict() == col(
        ["platinum", "general", "silver", "gold", "gold", "silver", "gold", "silver"]
        + ["silver", "general", "silver", "silver", "gold", "gold", "silver", "silver"]
        + ["general"] * 4
    )


def test_points():
    # 100 per return visit (visits up to AS_OF − 1): P01 9 visits → 800; P02's visit after
    # AS_OF is ignored → 0; P19 two visits → 100
    assert scores()["points"].to_dict() == col(
        [800, 0, 100, 400, 600, 0, 100, 200, 300, 100, 0, 0, 500, 500, 100, 200, 0, 0, 100, 100]
    )
    p = WINDOW.replace(
        membership__points_per_currency_unit=0.01, membership__points_per_referral=50
    )
    out = scores(p)
    # P01: 800 + floor(259,999 × 0.01) = 800 + 2,599; P07: 100 + 20 + 2 × 50
    assert out.loc["P01", "points"] == 3399
    assert out.loc["P07", "points"] == 220


def test_self_pay_only_feeds_m_and_membership():
    d = fixture_data()
    v = d.visits.assign(self_pay=d.visits["amount"] / 2)  # insurer pays half
    d2 = ClinicData(visits=v, lines=d.lines, patients=d.patients, plans=d.plans)
    p = WINDOW.replace(rfm__self_pay_only=True)
    summary = pd.DataFrame(index=pd.Index(IDS, name="patient_id", dtype="string"))
    out = score_columns(d2, summary, AS_OF, p)
    assert out.loc["P01", "rfm_spend"] == pytest.approx(80000)
    # P01 self-paid 80,000 → elite, not brilliant
    assert out.loc["P01", "member_tier"] == "elite"
