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


def test_transitions_equal_a_crosstab_of_the_joined_segments():
    import numpy as np

    from clinicvalue.analyses.segments.movement import LEFT, NEW, SEGMENT_RANK
    from clinicvalue.analyses.segments.schemes import RFM8_KEYS

    rng = np.random.default_rng(4)
    ids = pd.Index([f"p{i:05d}" for i in rng.permutation(3000)], dtype="string")
    keys = np.array(RFM8_KEYS, dtype=object)
    before = pd.Series(keys[rng.integers(0, 8, 2500)], index=ids[:2500], dtype="string")
    after = pd.Series(keys[rng.integers(0, 8, 2600)], index=ids[400:], dtype="string")
    before.iloc[::9] = pd.NA  # no segment that day: counts as new / left
    r = segment_transitions(before, after)
    joined = pd.concat([before.rename("before"), after.rename("after")], axis=1)
    joined = joined.fillna({"before": NEW, "after": LEFT})
    want = pd.crosstab(joined["before"], joined["after"])
    pd.testing.assert_frame_equal(r.matrix, want, check_index_type=False, check_column_type=False)
    rb, ra = (
        joined[side].map(SEGMENT_RANK).to_numpy(dtype="float64", na_value=np.nan)
        for side in ("before", "after")
    )
    assert list(r.upgrades) == sorted(joined.index[ra > rb])
    assert list(r.downgrades) == sorted(joined.index[ra < rb])
