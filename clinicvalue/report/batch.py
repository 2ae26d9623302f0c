"""``clinicvalue batch clinics.toml``: every clinic's monthly report, one failure at a time.

``clinics.toml`` lists clinics as ``[[clinic]]`` tables with ``visits`` (required) and
optional ``patients``, ``spend``, ``plans``, ``profile``, ``locale``, ``mapping``,
``encoding`` and ``drop_invalid``; relative paths are read from the file's folder. A
failing clinic is recorded and the batch goes on.
"""

from __future__ import annotations

import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clinicvalue.errors import ClinicValueError, InputError

__all__ = ["BatchRow", "BatchResult", "read_clinics", "run_batch"]

_KEYS = {
    "id",
    "visits",
    "patients",
    "spend",
    "plans",
    "profile",
    "locale",
    "mapping",
    "encoding",
    "drop_invalid",
}
_PATHS = ("visits", "patients", "spend", "plans", "profile")


@dataclass(frozen=True)
class BatchRow:
    """One clinic's outcome."""

    clinic: str
    ok: bool
    seconds: float
    folder: str = ""
    error: str = ""


@dataclass(frozen=True)
class BatchResult:
    """Every clinic's outcome, in the order of ``clinics.toml``."""

    month: str
    rows: list[BatchRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every clinic's report was written."""
        return all(r.ok for r in self.rows)

    @property
    def failed(self) -> list[str]:
        """The clinics whose report failed."""
        return [r.clinic for r in self.rows if not r.ok]

    def summary_table(self) -> str:
        """Return a plain-text table: clinic, status, seconds, folder or error."""
        head = ("clinic", "status", "seconds", "report / error")
        body = [
            (r.clinic, "ok" if r.ok else "FAILED", f"{r.seconds:.1f}", r.folder or r.error)
            for r in self.rows
        ]
        widths = [max(len(str(x)) for x in col) for col in zip(head, *body, strict=False)]
        widths[-1] = 0
        lines = [
            "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in (head, *body)
        ]
        ok = sum(r.ok for r in self.rows)
        lines.append(f"{ok} of {len(self.rows)} clinic(s) reported for {self.month}")
        return "\n".join(lines)

    def to_metrics(self) -> dict[str, Any]:
        """Return the outcome as JSON-ready values."""
        return {"month": self.month, "ok": self.ok, "clinics": [r.__dict__ for r in self.rows]}


def read_clinics(path: str | Path) -> list[dict[str, Any]]:
    """Read ``clinics.toml`` into one settings dict per clinic, paths made absolute.

    Raises
    ------
    InputError
        When the file is missing, is not TOML, lists no clinic, or has unknown keys.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"clinics file not found: {p}", file=str(p))
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", file=str(p)) from exc
    clinics = data.get("clinic")
    if not isinstance(clinics, list) or not clinics:
        raise InputError(
            "list each clinic as a [[clinic]] table with at least visits = ...", file=str(p)
        )
    out = []
    for n, entry in enumerate(clinics, start=1):
        unknown = sorted(set(entry) - _KEYS)
        if unknown:
            raise InputError(
                f"clinic #{n}: unknown key {', '.join(unknown)}; "
                f"allowed: {', '.join(sorted(_KEYS))}",
                file=str(p),
            )
        if "visits" not in entry:
            raise InputError(f'clinic #{n}: missing visits = "<file>"', file=str(p))
        item = dict(entry)
        for key in _PATHS:
            if item.get(key):
                item[key] = str((p.parent / item[key]).resolve())
        out.append(item)
    return out


def run_batch(clinics_toml: str | Path, *, month: str, out: str | Path = "reports") -> BatchResult:
    """Run every clinic's report for ``month``; keep going when one fails.

    Returns
    -------
    BatchResult
        ``ok`` is false when any clinic failed; ``summary_table()`` prints the outcome.
    """
    from clinicvalue.progress import progress
    from clinicvalue.report import run_report
    from clinicvalue.report.notebook import read_profile

    rows = []
    for item in progress(read_clinics(clinics_toml), desc=f"reports {month}", unit="clinic"):
        started = time.perf_counter()
        name = item.get("id") or Path(item["visits"]).parent.name
        try:
            prof = read_profile(item.get("profile"))
            if item.get("id"):
                prof = prof.replace(clinic__id=item["id"])
            name = prof.clinic.id
            folder = run_report(
                visits=item["visits"],
                patients=item.get("patients"),
                spend=item.get("spend"),
                plans=item.get("plans"),
                profile=prof,
                month=month,
                locale=item.get("locale"),
                out=out,
                mapping=item.get("mapping"),
                encoding=item.get("encoding"),
                drop_invalid=bool(item.get("drop_invalid", False)),
            )
            rows.append(BatchRow(name, True, time.perf_counter() - started, folder=str(folder)))
        except ClinicValueError as exc:
            rows.append(BatchRow(name, False, time.perf_counter() - started, error=str(exc)))
    return BatchResult(month=month, rows=rows)
