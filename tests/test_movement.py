import pandas as pd

from clinicvalue.movement import segment_transitions


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
