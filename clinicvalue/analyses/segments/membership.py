"""Membership tier changes this month and point redemptions (000, 001, 002)."""

from __future__ import annotations

import pandas as pd

from clinicvalue.analyses.segments.schemes import membership_tier, points
from clinicvalue.data import ClinicData
from clinicvalue.profile import ClinicProfile

__all__ = ["TIER_RANK", "membership_changes", "redemptions"]

# higher = better tier, for both schemes
TIER_RANK = {
    "brilliant": 3,
    "elite": 2,
    "basic": 1,
    "platinum": 4,
    "gold": 3,
    "silver": 2,
    "general": 1,
}


def membership_changes(
    data: ClinicData, index: pd.Index, as_of: pd.Timestamp, profile: ClinicProfile
) -> pd.DataFrame:
    """Compare each patient's tier at ``as_of`` with one month earlier.

    Returns columns ``before``, ``after`` and ``change`` (``up``, ``down`` or ``same``).
    """
    as_of = pd.Timestamp(as_of).normalize()
    before = membership_tier(data, index, as_of - pd.DateOffset(months=1), profile)
    after = membership_tier(data, index, as_of, profile)
    rb = before.map(TIER_RANK).astype(int)
    ra = after.map(TIER_RANK).astype(int)
    change = pd.Series("same", index=index, dtype="string")
    change[ra > rb] = "up"
    change[ra < rb] = "down"
    return pd.DataFrame({"before": before, "after": after, "change": change})


def redemptions(
    data: ClinicData, index: pd.Index, as_of: pd.Timestamp, profile: ClinicProfile
) -> pd.DataFrame:
    """Return points and one bool column per redemption the patient can afford (002)."""
    pts = points(data, index, as_of, profile)
    out = pd.DataFrame({"points": pts})
    for name, cost in profile.membership.redemptions.items():
        out[name] = pts >= cost
    return out
