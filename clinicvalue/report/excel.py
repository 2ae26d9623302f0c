"""``actions.xlsx``: the day's worklist, one filtered view per list, outcome columns to fill.

The first sheet is the whole worklist in priority order; each list's sheet holds the same
rows filtered to that list. Every sheet has a frozen header, a filter, drop-downs for
the outcome, dates as dates, phone numbers as text, fitted widths and a print setup
(landscape, one page wide, the header row on every page, the clinic and day in the page
header). A hidden sheet ``_run`` records who was listed and who was held back, so the
next run can read the workbook back (:mod:`clinicvalue.load.calls`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from clinicvalue.analyses.care.worklist import OUTCOMES, Worklist
from clinicvalue.profile import WORKLISTS, ClinicProfile
from clinicvalue.text.catalogue import LOCALES, table, triples
from clinicvalue.text.i18n import t
from clinicvalue.writers import atomic_path, format_sheet, inert_sheet, sheet_frame

__all__ = [
    "COLUMN_LABELS",
    "OUTCOME_COLUMNS",
    "RUN_SHEET",
    "outcome_labels",
    "task_label",
    "worklist_frame",
    "write_worklist",
]

#: Column → (en, zh-Hant, zh-Hans) headers; other columns keep their own name.
COLUMN_LABELS: dict[str, tuple[str, str, str]] = triples("workbook")
#: The columns staff fill in.
OUTCOME_COLUMNS = ("outcome", "outcome_date", "note")
#: The hidden sheet recording the run (listed and held-back patients).
RUN_SHEET = "_run"
RUN_COLUMNS = ("run_date", "clinic", "patient_key", "list", "arm", "priority", "due_date")
_TASKS: dict[str, tuple[str, str, str]] = triples("task")
_IDX = {loc: i for i, loc in enumerate(LOCALES)}
_FOLLOWUP = re.compile(r"followup_(\d+)h")
_SHOWN = (
    "priority", "patient_key", "name", "phone", "list", "reason", "script", "due_date",
    "last_visit", "value", "contact_window", "tasks",
)  # fmt: skip


def task_label(code: str, locale: str) -> str:
    """Return a list task as the front desk reads it: ``followup_168h`` → 7 days after."""
    i = _IDX[locale]
    if code in _TASKS:
        return _TASKS[code][i]
    hours = _FOLLOWUP.fullmatch(code)
    if hours:
        n = int(hours.group(1))
        if n % 24 == 0 and n > 48:
            return _TASKS["followup_days"][i].format(n=n // 24)
        return _TASKS["followup_hours"][i].format(n=n)
    return code  # a task the catalogue does not know yet stays readable as its code


def outcome_labels(locale: str) -> dict[str, str]:
    """Return outcome code → the word staff pick in ``locale``."""
    words = table("worklist.outcome", locale)
    return {code: words[code] for code in OUTCOMES}


def _window(rows: pd.DataFrame, profile: ClinicProfile, locale: str) -> pd.Series:
    """Say when to call: the booked time, or the patient's usual visit day, and the hours."""
    words = table("worklist", locale)
    days = table("worklist.weekday", locale)
    hours = profile.actions.call_hours
    plain = words["window_hours"].format(hours=hours)
    out = pd.Series(plain, index=rows.index, dtype="string")
    if "visit_weekday" in rows:
        wd = rows["visit_weekday"].astype("Int64")
        usual = wd.map(lambda d: words["window"].format(day=days[str(d)], hours=hours)
                       if pd.notna(d) else pd.NA)  # fmt: skip
        out = usual.astype("string").fillna(out)
    if "appointment_time" in rows:
        at = rows["appointment_time"].astype("string")
        booked = at.map(lambda x: words["window_time"].format(time=x, hours=hours)
                        if pd.notna(x) else pd.NA)  # fmt: skip
        out = booked.astype("string").fillna(out)
    return out


def worklist_frame(rows: pd.DataFrame, profile: ClinicProfile, locale: str) -> pd.DataFrame:
    """Return worklist rows as the sheet shows them: words for codes, outcome columns."""
    i = _IDX[locale]
    out = rows.copy()
    out["list"] = out["list"].map(lambda k: t(f"list_{k}", locale)).astype("string")
    out["tasks"] = (
        out["tasks"]
        .astype("string")
        .map(
            lambda s: (
                " / ".join(task_label(c, locale) for c in str(s).split(";")) if pd.notna(s) else s
            )
        )
    )
    out["contact_window"] = _window(out, profile, locale)
    out["value"] = out["value"].astype("float64").round(0)
    cols = [c for c in _SHOWN if c in out.columns]
    shown = out[cols].copy()
    for col in OUTCOME_COLUMNS:
        shown[col] = pd.Series(pd.NA, index=shown.index, dtype="object")
    labels = {k: v[i] for k, v in COLUMN_LABELS.items()}
    return shown.rename(columns=labels)


def write_worklist(
    work: Worklist, path: str | Path, *, profile: ClinicProfile, locale: str
) -> Path:
    """Write the worklist workbook (see the module notes) and return its path.

    The workbook may hold names and phone numbers: it is readable by its owner only, and
    no cell from the clinic's data can run as a formula.
    """
    return atomic_path(path, lambda tmp: _write(work, tmp, profile, locale), private=True)


def _write(work: Worklist, path: Path, profile: ClinicProfile, locale: str) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    whole = worklist_frame(work.rows, profile, locale)
    _sheet(wb, _sheet_name(t("list_worklist", locale), used), whole, work, profile, locale)
    for name in WORKLISTS:
        view = work.view(name)
        if len(view):
            frame = worklist_frame(view, profile, locale)
            _sheet(wb, _sheet_name(t(f"list_{name}", locale), used), frame, work, profile, locale)
    runs = work.runs()
    runs.insert(1, "clinic", profile.clinic.id)
    ws = wb.create_sheet(RUN_SHEET)
    ws.sheet_state = "hidden"
    ws.append(list(RUN_COLUMNS))
    for row in sheet_frame(runs[list(RUN_COLUMNS)]).itertuples(index=False):
        ws.append(list(row))
    inert_sheet(ws)
    wb.save(path)


def _sheet(
    wb: Any, name: str, frame: pd.DataFrame, work: Worklist, profile: ClinicProfile, locale: str
) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    i = _IDX[locale]
    ws = wb.create_sheet(name)
    shown = sheet_frame(frame)  # format_sheet stores formula-like text as text
    if shown.empty:
        shown = pd.DataFrame(columns=frame.columns)
    ws.append([str(c) for c in shown.columns])
    for row in shown.itertuples(index=False):
        ws.append([None if v is pd.NA else v for v in row])
    headers = list(shown.columns)
    letters = {h: ws.cell(row=1, column=j + 1).column_letter for j, h in enumerate(headers)}
    last = max(ws.max_row, 2)
    for key in ("due_date", "last_visit", "outcome_date"):
        col = letters.get(COLUMN_LABELS[key][i])
        if col:
            for cell in ws[col][1:]:
                cell.number_format = "yyyy-mm-dd"
    phone = letters.get(COLUMN_LABELS["phone"][i])
    if phone:
        for cell in ws[phone][1:]:
            if cell.value is not None:
                cell.value, cell.data_type, cell.number_format = str(cell.value), "s", "@"
    value = letters.get(COLUMN_LABELS["value"][i])
    if value:
        for cell in ws[value][1:]:
            cell.number_format = "#,##0"
    words = list(outcome_labels(locale).values())
    pick = DataValidation(type="list", formula1='"' + ",".join(words) + '"', allow_blank=True)
    pick.error = t("funnel", locale)
    col = letters[COLUMN_LABELS["outcome"][i]]
    pick.add(f"{col}2:{col}{last + 500}")
    day = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True)
    col = letters[COLUMN_LABELS["outcome_date"][i]]
    day.add(f"{col}2:{col}{last + 500}")
    ws.add_data_validation(pick)
    ws.add_data_validation(day)
    format_sheet(ws, shown)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    words_wl = table("worklist", locale)
    ws.oddHeader.center.text = words_wl["header"].format(
        clinic=profile.clinic.name.replace("&", "&&"), day=f"{work.day:%Y-%m-%d}"
    )
    ws.oddFooter.center.text = words_wl["page"]
    if ws.max_row == 1:
        ws.cell(row=2, column=1, value=words_wl["empty"])


def _sheet_name(name: str, used: set[str]) -> str:
    base = "".join(c for c in name if c not in "[]:*?/\\")[:31] or "list"
    out, n = base, 2
    while out in used:
        suffix = f" ({n})"
        out, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(out)
    return out
