import pandas as pd
import pytest

from clinicvalue.analyses.segments.movement import segment_transitions
from clinicvalue.errors import OptionError


def test_transitions_counts_new_left_and_direction():
    before = pd.Series({"A": "core", "B": "general", "C": "lost", "D": "sleeping"})
    after = pd.Series({"A": "at_risk", "B": "core", "C": "lost", "E": "general"})
    r = segment_transitions(before, after)
    m = r.matrix
    assert m.loc["core", "at_risk"] == 1
    assert m.loc["general", "core"] == 1
    assert m.loc["new", "general"] == 1  # E arrived
    assert m.loc["sleeping", "left"] == 1  # D left
    assert int(m.to_numpy().sum()) == 5
    assert list(r.upgrades) == ["B"]
    assert list(r.downgrades) == ["A"]
    assert r.to_metrics()["upgrades"] == 1


def test_membership_scheme_ranks_general_lowest():
    before = pd.Series({"A": "general", "B": "gold"})
    after = pd.Series({"A": "silver", "B": "general"})
    # RFM-8 "general" (4) would hide these; membership ranks general 1 < silver 2 < gold 3
    r = segment_transitions(before, after, scheme="membership")
    assert list(r.upgrades) == ["A"] and list(r.downgrades) == ["B"]
    with pytest.raises(OptionError, match="membership"):
        segment_transitions(before, after, scheme="rfm9")


def test_movement_ranks_follow_each_schemes_own_order():
    """One order per scheme: the display order is the rank, most valuable first."""
    from clinicvalue.analyses.segments.movement import SCHEME_RANK
    from clinicvalue.analyses.segments.schemes import MEMBER_KEYS, SCHEME_KEYS

    for scheme in ("rfm8", "tier5", "activity"):
        ranks = SCHEME_RANK[scheme]
        assert sorted(ranks, key=ranks.get, reverse=True) == list(SCHEME_KEYS[scheme])
    for levels in MEMBER_KEYS.values():
        ranks = [SCHEME_RANK["membership"][k] for k in levels]
        assert ranks == sorted(ranks, reverse=True)
