"""Text exports: the fast one-line-per-record split gives exactly the full reader's cells."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinicvalue.errors import InputError
from clinicvalue.load import _read


def _both(text: str, monkeypatch) -> tuple:
    """Return (fast, full) readings of the text, or the error each raised."""

    def read():
        try:
            raw = _read._from_text(text, name="visits.csv", encoding="utf-8")
        except InputError as exc:
            return ("error", str(exc))
        rows = np.arange(len(raw.lines))
        return (raw.header, [list(c.cells(rows)) for c in raw.columns], list(raw.lines))

    fast = read()
    with monkeypatch.context() as m:
        m.setattr(_read, "_split_one_line_records", lambda *a: None)
        full = read()
    return fast, full


CASES = [
    "patient_id,visit_date,amount\nP1,2024-01-02,100\nP2,2024-01-03,200\n",
    "patient_id,visit_date,amount\r\nP1,2024-01-02,100\r\nP2,2024-01-03,200",
    '"patient_id","visit_date","amount"\n"P1",2024-01-02,"1,200"\n',
    'patient_id,note,amount\nP1,"said ""hi""",100\n',
    'patient_id,note,amount\nP1,"two\nlines",100\nP2,x,5\n',  # a value spanning lines
    "patient_id,visit_date,amount\n\nP1,2024-01-02,100\n\n",  # blank lines
    "\n\npatient_id,visit_date,amount\nP1,2024-01-02,100\n",  # blank lines before the header
    "patient_id,visit_date,amount\nP1,2024-01-02,100,extra\n",  # a ragged row
    "patient_id,visit_date,amount\nP1,2024-01-02\n",  # a short row
    "patient_id\tvisit_date\tamount\n 0007 \t2024/1/2\tNT$1,200\n",
    "patient_id;visit_date;amount\nP1;2024-01-02;1.200,50\n",
    "patient_id,visit_date,amount\n   ,  ,  \nP1,2024-01-02,1\n",
    "病歷號,就診日期,金額\nＡ０１,２０２４－０１－０２,１２００\n",
    "patient_id,visit_date,amount\nP1,2024-01-02,100\rP2,2024-01-03,5\n",  # old Mac line ends
    "patient_id,visit_date,amount\nP1,2024-01-02,100",  # no final line end
    'patient_id,note,amount\nP1,ab"c,1\nP2,"x"y,2\n',  # stray quotes
    'patient_id,note,amount\nP1, "x",1\nP2,"x" ,2\nP3,"a,b"c,3\nP4,"",4\n',
    'a,b,c\n"unterminated,1,2\n',
]


@pytest.mark.parametrize("text", CASES)
def test_fast_split_equals_the_full_reader(text, monkeypatch):
    fast, full = _both(text, monkeypatch)
    assert fast == full


_cell = st.text(alphabet=st.sampled_from(list('ab 1,;\t"\n\r病')), max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_cell, min_size=3, max_size=3), min_size=1, max_size=6))
def test_any_quoted_table_splits_the_same_both_ways(rows):
    import pytest as _pytest

    def quote(c: str) -> str:
        return '"' + c.replace('"', '""') + '"' if any(ch in c for ch in ',"\n\r') else c

    text = "a,b,c\n" + "\n".join(",".join(quote(c) for c in r) for r in rows) + "\n"
    with _pytest.MonkeyPatch.context() as mp:
        fast, full = _both(text, mp)
    assert fast == full
