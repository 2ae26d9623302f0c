"""Patient IDs looked up in a set or an index: text identity, absent and missing IDs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from clinicvalue.idsets import ids_in, index_positions, values_for


def test_ids_in_compares_text() -> None:
    values = pd.Series(["007", "7", None, "B"], dtype="string")
    assert ids_in(values, {"7", "B"}).tolist() == [False, True, False, True]
    assert ids_in(pd.Series([], dtype="string"), ["7"]).tolist() == []


def test_index_positions_strings_and_fallback() -> None:
    idx = pd.Index(["00004", "4", "B"], dtype="string")
    vals = pd.Series(["4", "00004", "Z", None], dtype="string")
    # leading zeros are identity; absent or missing ids → −1
    assert index_positions(vals, idx).tolist() == [1, 0, -1, -1]
    # integer ids use pandas' get_indexer
    assert index_positions(pd.Series([3, 1]), pd.Index([1, 2, 3])).tolist() == [2, 0]


def test_values_for_fills_the_ids_it_does_not_know() -> None:
    ids = pd.Index(["b", "a", "c"], dtype="string")
    spend = pd.Series([1.5, 2.5], index=pd.Index(["a", "b"], dtype="string"))
    got = values_for(spend, ids, "float64")
    assert got[:2].tolist() == [2.5, 1.5] and np.isnan(got[2])
    first = pd.Series(pd.to_datetime(["2026-01-02"]), index=pd.Index(["c"], dtype="string"))
    dates = values_for(first, pd.Series(["c", "x", "c"], dtype="string"), "datetime64[ns]")
    assert dates.dtype == "datetime64[ns]"
    assert dates[0] == dates[2] == np.datetime64("2026-01-02") and np.isnat(dates[1])
