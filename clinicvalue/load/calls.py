"""Read back the worklists staff filled in: who was called, what came of it.

Every ``*.xlsx`` in the folder is read (Excel's ``~$`` lock files are skipped). A
workbook is matched by its hidden ``_run`` sheet, written with the worklist; its sheets
with a patient-key column and an outcome column, in any of the kit's languages, give the
outcomes. Sheets may be renamed or reordered, columns moved or added, rows sorted or
deleted. An outcome is one of the drop-down's words in any language; anything else
stops the read with the workbook, sheet, cell and value.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from clinicvalue.data import CALL_COLUMNS, CALL_OUTCOMES
from clinicvalue.errors import InputError
from clinicvalue.load._headers import norm_header
from clinicvalue.load._parse import parse_dates
from clinicvalue.text.catalogue import LOCALES, table, triples

__all__ = ["CALL_COLUMNS", "read_calls"]

_RUN_SHEET = "_run"
_HEADERS = triples("workbook")
_WORDS = {
    norm_header(word): code
    for loc in LOCALES
    for code, word in table("worklist.outcome", loc).items()
} | {norm_header(code): code for code in CALL_OUTCOMES}


def _header(key: str) -> set[str]:
    return {norm_header(h) for h in (key, *_HEADERS[key])}


def read_calls(folder: str | Path, *, clinic: str | None = None) -> pd.DataFrame:
    """Return the call records of every worklist workbook in ``folder``.

    Parameters
    ----------
    folder
        Where the filled-in worklists are kept (``clinicvalue actions --out``).
    clinic
        Only read workbooks of this clinic id (others in the folder are skipped).

    Returns
    -------
    pandas.DataFrame
        :data:`CALL_COLUMNS`: ``arm`` is ``listed`` or ``held``; ``outcome`` an
        outcome code or NA; ``outcome_date`` the date staff wrote, else the run date.

    Raises
    ------
    InputError
        A workbook that is not a worklist, or an outcome the kit cannot read.
    """
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"calls folder not found: {root} (the folder of filled-in worklists)")
    parts = []
    for path in sorted(root.glob("*.xlsx")):
        if path.name.startswith(("~$", ".")):
            continue
        calls = _read_workbook(path)
        if clinic is not None and len(calls) and not calls["clinic"].eq(clinic).all():
            continue
        parts.append(calls)
    if not parts:
        return pd.DataFrame(columns=list(CALL_COLUMNS))
    out = pd.concat(parts, ignore_index=True)
    # the same workbook saved twice: keep one row, the one with an outcome
    out = out.sort_values("outcome", na_position="last", kind="stable")
    out = out.drop_duplicates(["clinic", "run_date", "patient_key", "list"])
    return out.sort_values(["run_date", "priority"], ignore_index=True)[list(CALL_COLUMNS)]


def _read_workbook(path: Path) -> pd.DataFrame:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged or foreign file
        raise InputError(
            f"cannot open {path.name} as an Excel workbook ({type(exc).__name__}); keep only "
            "worklists written by clinicvalue actions in the calls folder",
            file=str(path),
        ) from exc
    try:
        if _RUN_SHEET not in wb.sheetnames:
            raise InputError(
                f"{path.name} is not a worklist written by clinicvalue actions (it has no "
                f"hidden '{_RUN_SHEET}' sheet); move it out of the calls folder",
                file=str(path),
            )
        runs = _rows(wb[_RUN_SHEET])
        need = {"run_date", "clinic", "patient_key", "list", "arm", "priority"}
        if runs is None or not need <= set(runs.columns):
            raise InputError(
                f"{path.name}: the hidden '{_RUN_SHEET}' sheet was changed and no longer "
                "says who was listed; restore it from the original worklist",
                file=str(path),
            )
        runs["run_date"] = pd.to_datetime(runs["run_date"])
        runs["patient_key"] = runs["patient_key"].astype("string")
        outcomes = [o for name in wb.sheetnames if name != _RUN_SHEET
                    for o in [_outcomes(wb[name], path, name)] if o is not None]  # fmt: skip
    finally:
        wb.close()
    if not outcomes:
        raise InputError(
            f"{path.name}: no sheet has both a patient-key column and an outcome column; "
            "keep the worklist sheet's header row as it was written",
            file=str(path),
        )
    filled = pd.concat(outcomes, ignore_index=True).dropna(subset=["outcome"])
    filled = filled.sort_values("outcome_date", na_position="first", kind="stable")
    filled = filled.drop_duplicates("patient_key", keep="last").set_index("patient_key")
    calls = runs[["run_date", "clinic", "patient_key", "list", "arm", "priority"]].copy()
    listed = calls["arm"].eq("listed")
    calls["outcome"] = calls["patient_key"].map(filled["outcome"]).where(listed, pd.NA)
    calls["outcome_date"] = pd.to_datetime(
        calls["patient_key"].map(filled["outcome_date"]).where(listed)
    )
    calls["outcome_date"] = calls["outcome_date"].fillna(
        calls["run_date"].where(calls["outcome"].notna())
    )
    calls["file"] = path.name
    return calls


def _rows(ws) -> pd.DataFrame | None:
    rows = list(ws.iter_rows(values_only=True))
    if not rows:
        return None
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    return pd.DataFrame(rows[1:], columns=header)


def _outcomes(ws, path: Path, sheet: str) -> pd.DataFrame | None:
    """Return ``patient_key, outcome, outcome_date`` of one sheet, or ``None`` if it has none."""
    rows = list(ws.iter_rows(values_only=True))
    if not rows:
        return None
    header = [norm_header(str(h)) if h is not None else "" for h in rows[0]]
    where = {}
    for key in ("patient_key", "outcome", "outcome_date"):
        hits = [j for j, h in enumerate(header) if h in _header(key)]
        if hits:
            where[key] = hits[0]
    if "patient_key" not in where or "outcome" not in where:
        return None
    letter = _letter(where["outcome"])
    keys, codes, dates = [], [], []
    for n, row in enumerate(rows[1:], start=2):
        key = row[where["patient_key"]] if where["patient_key"] < len(row) else None
        raw = row[where["outcome"]] if where["outcome"] < len(row) else None
        if key is None or raw is None or str(raw).strip() == "":
            continue
        code = _WORDS.get(norm_header(str(raw)))
        if code is None:
            shown = ", ".join(table("worklist.outcome", "en").values())
            raise InputError(
                f"{path.name}, sheet '{sheet}', cell {letter}{n}: cannot read outcome "
                f"'{raw}' (expected one of {shown}, or the same words in Chinese)",
                file=str(path),
                line=n,
                column=str(rows[0][where["outcome"]]),
            )
        keys.append(str(key).lstrip("'"))
        codes.append(code)
        dates.append(row[where["outcome_date"]] if "outcome_date" in where else None)
    if not keys:
        return pd.DataFrame({"patient_key": [], "outcome": [], "outcome_date": []})
    when = pd.Series(dates, dtype="object")
    parsed = pd.to_datetime(when.where(when.map(lambda v: not isinstance(v, str))), errors="coerce")
    text = when.map(lambda v: v if isinstance(v, str) else None).dropna()
    if len(text):
        values, _bad = parse_dates(text.astype(str).str.strip())
        parsed.loc[text.index] = values.to_numpy()
    return pd.DataFrame(
        {"patient_key": keys, "outcome": codes, "outcome_date": pd.to_datetime(parsed)}
    )


def _letter(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j + 1)
