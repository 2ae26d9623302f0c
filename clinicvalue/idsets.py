"""Membership of patient IDs (and other keys) in a set, fast on a million patients.

pandas' ``isin`` on Arrow-backed text compares a large set value by value in Python;
Arrow's ``is_in`` hashes the set once. Keys are compared as text, so ``"007"`` and
``7`` are different patients, as everywhere in the kit.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["ids_in"]


def _text(values: Iterable) -> pa.Array:
    if isinstance(values, pd.Series | pd.Index):
        values = values.astype("string").array
    elif not isinstance(values, pa.Array | pa.ChunkedArray):
        values = pd.array(list(values) if not isinstance(values, np.ndarray) else values, "string")
    return pa.array(values).cast(pa.large_string())


def ids_in(values: pd.Series | pd.Index, ids: Iterable) -> np.ndarray:
    """Return, per value, whether it is one of ``ids`` (missing values never are).

    Parameters
    ----------
    values
        Keys to look up (a column or an index).
    ids
        The set: a Series, Index, array, list or set of keys.

    Returns
    -------
    numpy.ndarray
        A boolean mask aligned with ``values``.
    """
    if len(values) == 0:
        return np.zeros(0, dtype=bool)
    if isinstance(ids, set | frozenset):
        ids = list(ids)
    found = pc.is_in(_text(values), value_set=_text(ids), skip_nulls=True)
    return found.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
