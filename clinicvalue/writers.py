"""Write tables and JSON atomically: a reader never sees half a file.

Each writer writes to a temporary file in the target's folder and renames it into
place, so a failed run leaves any previous file untouched. Files that hold contact
details or raw input values are created readable by their owner only.

Every text cell that came from user data is made inert before it reaches a spreadsheet
(OWASP's CSV-injection guidance): a value starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return would be run as a formula by Excel or LibreOffice. In a CSV
such a value gets a leading ``'``; in a workbook it is stored as a text cell with
Excel's quote prefix, so it shows exactly as written and is never calculated. Numbers
(negative amounts included) stay numbers.
"""

from __future__ import annotations

import csv
import json
import math
import os
import tempfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from clinicvalue.errors import OptionError

__all__ = [
    "TABLE_FORMATS",
    "FORMULA_TRIGGERS",
    "write_table",
    "write_csv",
    "write_json",
    "to_jsonable",
    "atomic_path",
    "inert_frame",
    "inert_sheet",
    "sheet_frame",
    "format_sheet",
]

TABLE_FORMATS = (".csv", ".parquet", ".xlsx")

#: First characters that make a spreadsheet treat a cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _is_text(col: pd.Series) -> bool:
    return isinstance(col.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(col.dtype)


def inert_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with each text cell that could start a formula prefixed by ``'``."""
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if not _is_text(col):
            continue
        text = col.astype("string")
        risky = text.str.startswith(FORMULA_TRIGGERS).fillna(False).to_numpy(bool)
        if col.dtype == object:  # only real strings: a number kept in a mixed column stays one
            risky &= col.map(lambda v: isinstance(v, str)).to_numpy(bool)
        if risky.any():
            fixed = col.astype(object).copy()
            fixed[risky] = "'" + text[risky].astype(str)
            out[name] = fixed
    return out


def inert_sheet(ws: Any) -> None:
    """Store every cell of an openpyxl worksheet that would be a formula as plain text."""
    for row in ws.iter_rows():
        for cell in row:
            value = cell.value
            if isinstance(value, str) and (
                cell.data_type == "f" or value.startswith(FORMULA_TRIGGERS)
            ):
                cell.data_type = "s"
                cell.quotePrefix = True


def sheet_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` ready for a sheet: date cells for dates, empty cells for missing text."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.date.astype(object).where(out[col].notna(), None)
        elif isinstance(out[col].dtype, pd.StringDtype) or out[col].dtype == object:
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def format_sheet(ws: Any, frame: pd.DataFrame) -> None:
    """Make a written sheet one people can work from: inert, frozen header, filter, widths.

    ``frame`` is what was written to ``ws`` (header row 1), for the column widths.
    """
    from openpyxl.utils import get_column_letter

    inert_sheet(ws)
    ws.freeze_panes = "A2"
    if ws.max_row > 1:
        ws.auto_filter.ref = ws.dimensions
    for j, col in enumerate(frame.columns, start=1):
        values = [str(col), *frame[col].head(500).astype(str).tolist()]
        width = max(_display_width(v) for v in values)
        ws.column_dimensions[get_column_letter(j)].width = min(60, max(8, width + 2))


def _display_width(text: object) -> int:
    """Return how many Latin-letter widths ``text`` takes (CJK characters count twice)."""
    return sum(2 if ord(c) > 0x2E80 else 1 for c in str(text))


def write_csv(frame: pd.DataFrame, tmp: Path) -> None:
    """Write ``frame`` to ``tmp`` as inert CSV: UTF-8 with a BOM (for Excel), ISO dates."""
    inert_frame(frame).to_csv(
        tmp, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d", quoting=csv.QUOTE_MINIMAL
    )


def atomic_path(path: str | Path, write: Callable[[Path], None], *, private: bool = False) -> Path:
    """Call ``write(tmp)`` then rename ``tmp`` onto ``path``; remove ``tmp`` on failure.

    With ``private`` the file is readable and writable by its owner only (``0600``);
    otherwise it gets the usual permissions of the user's umask.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o600 if private else 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as CSV (UTF-8 with BOM, for Excel), Parquet or XLSX by extension.

    CSV and XLSX cells are made inert against formula injection (see the module notes); an
    XLSX sheet has a frozen header, a filter, fitted widths and dates as date cells.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in TABLE_FORMATS:
        allowed = ", ".join(TABLE_FORMATS)
        raise OptionError(f"--out must end in one of {allowed}; got '{target.name}'")

    def write(tmp: Path) -> None:
        if suffix == ".csv":
            write_csv(frame, tmp)
        elif suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            out = sheet_frame(frame)
            with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
                out.to_excel(writer, index=False)
                format_sheet(writer.sheets[next(iter(writer.sheets))], out)

    return atomic_path(target, write)


def to_jsonable(value: Any) -> Any:
    """Convert numpy/pandas scalars, dates and containers to plain JSON values."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    if isinstance(value, pd.Timestamp | datetime | date):
        return None if pd.isna(value) else value.isoformat()[:10]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def write_json(obj: Any, path: str | Path) -> Path:
    """Write ``obj`` as indented UTF-8 JSON (NaN as null)."""

    def write(tmp: Path) -> None:
        tmp.write_text(
            json.dumps(to_jsonable(obj), ensure_ascii=False, indent=2, sort_keys=False) + "\n",
            encoding="utf-8",
        )

    return atomic_path(path, write)
