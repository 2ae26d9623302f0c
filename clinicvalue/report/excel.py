"""``actions.xlsx``: one sheet per staff call list, headers in the report's language."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from clinicvalue.text.catalogue import LOCALES, triples
from clinicvalue.text.i18n import STRINGS, t
from clinicvalue.writers import atomic_path, format_sheet, sheet_frame

__all__ = ["COLUMN_LABELS", "task_label", "write_actions"]

#: Column → (en, zh-Hant, zh-Hans) headers; other columns keep their own name.
COLUMN_LABELS: dict[str, tuple[str, str, str]] = triples("workbook")
_TASKS: dict[str, tuple[str, str, str]] = triples("task")
_IDX = {loc: i for i, loc in enumerate(LOCALES)}
_FOLLOWUP = re.compile(r"followup_(\d+)h")


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


def _sheet_name(name: str, used: set[str]) -> str:
    base = "".join(c for c in name if c not in "[]:*?/\\")[:31] or "list"
    out, n = base, 2
    while out in used:
        suffix = f" ({n})"
        out, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(out)
    return out


def write_actions(lists: dict[str, pd.DataFrame], path: str | Path, *, locale: str) -> Path:
    """Write each list to its own sheet: localised headers, frozen header row, fitted widths.

    An empty ``lists`` still gives a workbook with one sheet saying there is nothing to do.
    The workbook (it may hold names and phone numbers) is readable by its owner only,
    and no cell from the clinic's data can run as a formula.
    """
    return atomic_path(path, lambda tmp: _write(lists, tmp, locale), private=True)


def _write(lists: dict[str, pd.DataFrame], path: Path, locale: str) -> None:
    i = _IDX[locale]
    used: set[str] = set()
    frames = lists or {t("sec_actions", locale): pd.DataFrame({t("count", locale): [0]})}
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in frames.items():
            if "task" in frame.columns and len(frame):
                codes = frame["task"].astype("string")
                labels = {c: task_label(str(c), locale) for c in codes.dropna().unique()}
                frame = frame.assign(task=codes.map(labels))
            shown = sheet_frame(frame).rename(columns={k: v[i] for k, v in COLUMN_LABELS.items()})
            label = f"list_{name}"
            sheet = _sheet_name(t(label, locale) if label in STRINGS else str(name), used)
            shown.to_excel(writer, sheet_name=sheet, index=False)
            format_sheet(writer.sheets[sheet], shown)
