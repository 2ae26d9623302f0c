import pandas as pd

from clinicvalue.analyses.segments.membership import membership_changes, redemptions
from clinicvalue.profile import ClinicProfile
from tests.support.clinics import AS_OF, data, summary


def test_changes_this_month():
    d = data()
    out = membership_changes(d, summary(d).index, AS_OF, ClinicProfile())
    # A at 2024-11-30: 12-month spend 40,000 (Jun + Nov) → basic; at 12-31: 60,000 → elite
    assert out.loc["A", "before"] == "basic" and out.loc["A", "after"] == "elite"
    assert out.loc["A", "change"] == "up"
    assert out.loc["E", "change"] == "same"  # brilliant both times


def test_redemptions():
    d = data()
    p = ClinicProfile().replace(membership__points_per_currency_unit=0.05)
    out = redemptions(d, summary(d).index, AS_OF, p)
    # E: 1 return visit × 100 + 120,000 × 0.05 = 6,100 points
    assert out.loc["E", "points"] == 6100
    assert out.loc["E", "half_price_checkup"]
    assert not out.loc["B", "free_assessment"]
    assert isinstance(out, pd.DataFrame)


def test_changes_four_level_ranks_general_lowest():
    d = data()
    p = ClinicProfile().replace(membership__scheme="four")
    out = membership_changes(d, summary(d).index, AS_OF, p)
    # A: 40,000 cumulative at 11-30 already ≥ silver 20,000 → silver both times
    assert out.loc["A", "change"] == "same"
    assert set(out["change"]) <= {"same", "up", "down"}
