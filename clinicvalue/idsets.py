"""Patient IDs (and other keys) looked up in a set or an index, fast on a million patients.

pandas' ``isin`` and ``get_indexer`` on Arrow-backed text compare value by value in
Python; Arrow's ``is_in`` and ``index_in`` hash the set once. Keys are compared as text,
so ``"007"`` and ``7`` are different patients, as everywhere in the kit. Every room of
the analyses finds patients by these three functions.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["ids_in", "index_positions", "values_for"]


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


def _arrow_strings(values: object) -> pa.Array:
    arr = values.array if isinstance(values, pd.Index | pd.Series) else values
    out = pa.array(arr, from_pandas=True)
    if not (pa.types.is_string(out.type) or pa.types.is_large_string(out.type)):
        raise TypeError("not strings")
    return out.cast(pa.large_string())


def index_positions(values: pd.Series | pd.Index | np.ndarray, index: pd.Index) -> np.ndarray:
    """Return the position in ``index`` of each value (−1 when absent), as ``int64``.

    String ids are hashed by Arrow without making Python objects, so a million patients
    over millions of visits take well under a second; other types use ``get_indexer``.
    """
    try:
        v, k = _arrow_strings(values), _arrow_strings(index)
    except (TypeError, pa.ArrowInvalid, pa.ArrowTypeError):
        return np.asarray(pd.Index(index).get_indexer(np.asarray(values)), dtype=np.int64)
    pos = pc.index_in(v, value_set=k).fill_null(-1)
    return pos.to_numpy(zero_copy_only=False).astype(np.int64)


def values_for(values: pd.Series, ids: pd.Series | pd.Index, dtype: str) -> np.ndarray:
    """Return ``values`` (indexed by patient) for each of ``ids`` as ``dtype``.

    Missing (NaN, or NaT for dates) where an id is not in ``values``' index; the lookup
    is :func:`index_positions`.
    """
    missing = np.datetime64("NaT") if dtype.startswith("datetime64") else np.nan
    table = np.append(values.to_numpy(dtype=dtype, na_value=missing), np.array([missing]))
    return table[index_positions(ids, values.index)]
