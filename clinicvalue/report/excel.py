"""``actions.xlsx``: one sheet per staff call list, headers in the report's language."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from clinicvalue.text.i18n import STRINGS, t
from clinicvalue.writers import atomic_path, format_sheet, sheet_frame

__all__ = ["COLUMN_LABELS", "write_actions"]

#: Column → (en, zh-Hant, zh-Hans) headers; other columns keep their own name.
COLUMN_LABELS: dict[str, tuple[str, str, str]] = {
    "patient_key": ("Patient key", "病患代碼", "患者代码"),
    "patient_id": ("Patient ID", "病歷號", "病历号"),
    "name": ("Name", "姓名", "姓名"),
    "phone": ("Phone", "電話", "电话"),
    "segment": ("Segment", "分群", "分群"),
    "reason": ("Reason", "原因", "原因"),
    "due_date": ("Due date", "到期日", "到期日"),
    "last_visit": ("Last visit", "最近就診", "最近就诊"),
    "clv": ("Lifetime value", "終身價值", "终身价值"),
    "priority": ("Priority", "優先順序", "优先顺序"),
    "action": ("Action", "建議行動", "建议行动"),
    "task": ("Task", "任務", "任务"),
    "script": ("Suggested script", "建議話術", "建议话术"),
    "value_at_risk": ("Value at risk", "風險價值", "风险价值"),
}
_IDX = {"en": 0, "zh-Hant": 1, "zh-Hans": 2}


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
            shown = sheet_frame(frame).rename(columns={k: v[i] for k, v in COLUMN_LABELS.items()})
            label = f"list_{name}"
            sheet = _sheet_name(t(label, locale) if label in STRINGS else str(name), used)
            shown.to_excel(writer, sheet_name=sheet, index=False)
            format_sheet(writer.sheets[sheet], shown)
