"""``clinicvalue batch clinics.toml``: every clinic's monthly report, one failure at a time.

``clinics.toml`` lists clinics as ``[[clinic]]`` tables with ``visits`` (a file) or
``visits_sql`` (a query, or a ``.sql`` file), optional ``patients``/``patients_sql``,
``spend``/``spend_sql``, ``plans``/``plans_sql``, ``db_url_env`` (the *name* of the
variable holding that clinic's database URL; default ``CLINICVALUE_DB_URL``), ``profile``,
``locale``, ``mapping``, ``encoding`` and ``drop_invalid``. Relative paths, of data and of
``.sql`` files, are read from the file's folder. Credentials never appear in the file: only
the variable's name does. A failing clinic is recorded and the batch goes on.

Example::

    [[clinic]]
    id = "north"
    visits = "north/visits.csv"
    profile = "north/clinic.toml"

    [[clinic]]
    id = "south"
    visits_sql = "south/visits.sql"
    patients_sql = "SELECT * FROM patients WHERE clinic = 'south'"
    db_url_env = "SOUTH_HIS_URL"
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
    "db_url_env",
    *(f"{t}_sql" for t in ("visits", "patients", "spend", "plans")),
}
_TABLES = ("visits", "patients", "spend", "plans")
_PATHS = (*_TABLES, "profile")


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
        for table in _TABLES:
            if entry.get(table) and entry.get(f"{table}_sql"):
                raise InputError(f"clinic #{n}: give {table} or {table}_sql, not both", file=str(p))
        if not entry.get("visits") and not entry.get("visits_sql"):
            raise InputError(
                f'clinic #{n}: missing visits = "<file>" (or visits_sql = "SELECT …")',
                file=str(p),
            )
        if "db_url_env" in entry and not str(entry["db_url_env"]).isidentifier():
            raise InputError(
                f"clinic #{n}: db_url_env must be the name of an environment variable, e.g. "
                '"SOUTH_HIS_URL" (never put the URL itself here; it is not repeated in this '
                "message in case it holds a password)",
                file=str(p),
            )
        item = dict(entry)
        for key in _PATHS:
            if item.get(key):
                item[key] = str((p.parent / item[key]).resolve())
        for table in _TABLES:
            query = str(item.get(f"{table}_sql") or "").strip()
            if query.lower().endswith(".sql") and "\n" not in query:
                item[f"{table}_sql"] = str((p.parent / query).resolve())
        out.append(item)
    return out


def _sources(item: dict[str, Any]) -> dict[str, Any]:
    """Return each table's source for :func:`run_report`: a path, a SqlSource or None."""
    from clinicvalue.sources import DEFAULT_URL_ENV, SqlSource

    env = item.get("db_url_env") or DEFAULT_URL_ENV
    return {
        table: (
            SqlSource(item[f"{table}_sql"], url_env=env, label=table)
            if item.get(f"{table}_sql")
            else item.get(table)
        )
        for table in _TABLES
    }


def _name(item: dict[str, Any]) -> str:
    if item.get("id"):
        return str(item["id"])
    if item.get("visits"):
        return Path(item["visits"]).parent.name
    return "clinic"


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
        name = _name(item)
        try:
            prof = read_profile(item.get("profile"))
            if item.get("id"):
                prof = prof.replace(clinic__id=item["id"])
            name = prof.clinic.id
            folder = run_report(
                **_sources(item),
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
