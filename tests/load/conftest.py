"""Every loader test runs twice: through the fast readers and through the full ones.

The fast readers (Arrow's CSV split for one-line records, Arrow's Parquet dictionaries)
must give exactly the cells the full readers give, so every fixture of these tests —
messages, line numbers, rows — holds both ways.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from clinicvalue.errors import InputError
from clinicvalue.load import _read


def _parquet_via_a_frame(data: bytes, name: str) -> _read.RawTable:
    try:
        frame = pd.read_parquet(io.BytesIO(data))
    except Exception as exc:
        raise InputError(
            f"the file starts like Parquet but cannot be read ({exc}); export it again",
            file=name,
        ) from exc
    return _read._from_frame(frame, name=name, fmt="parquet")


@pytest.fixture(autouse=True, params=["fast readers", "full readers"])
def reader(request, monkeypatch):
    """Run the test with the fast readers, then with them switched off."""
    if request.param == "full readers":
        monkeypatch.setattr(_read, "_split_one_line_records", lambda *a: None)
        monkeypatch.setattr(_read, "_from_parquet", _parquet_via_a_frame)
    return request.param
