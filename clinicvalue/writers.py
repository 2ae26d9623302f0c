"""Write tables and JSON atomically: a reader never sees half a file.

Each writer writes to a temporary file in the target's folder and renames it into
place, so a failed run leaves any previous file untouched.
"""

from __future__ import annotations

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

__all__ = ["TABLE_FORMATS", "write_table", "write_json", "to_jsonable", "atomic_path"]

TABLE_FORMATS = (".csv", ".parquet", ".xlsx")


def atomic_path(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` then rename ``tmp`` onto ``path``; remove ``tmp`` on failure."""
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
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as CSV (UTF-8 with BOM, for Excel), Parquet or XLSX by extension."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in TABLE_FORMATS:
        allowed = ", ".join(TABLE_FORMATS)
        raise OptionError(f"--out must end in one of {allowed}; got '{target.name}'")

    def write(tmp: Path) -> None:
        if suffix == ".csv":
            frame.to_csv(tmp, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")
        elif suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            out = frame.copy()
            for col in out.columns:
                if isinstance(out[col].dtype, pd.StringDtype) or out[col].dtype == object:
                    out[col] = out[col].astype(object).where(out[col].notna(), None)
            out.to_excel(tmp, index=False, engine="openpyxl")

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
