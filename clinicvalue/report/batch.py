"""``clinicvalue batch clinics.toml``: every clinic's monthly report, and the portfolio.

Each clinic's notebook runs first (a failing clinic is recorded and the batch goes on);
then each report gains its comparison with the batch's similar clinics and is published;
last, ``reports/portfolio/<YYYY-MM>/`` gets the clinics side by side.

``clinics.toml`` lists clinics as ``[[clinic]]`` tables with ``visits`` (a file) or
``visits_sql`` (a query, or a ``.sql`` file), optional ``patients``/``patients_sql``,
``spend``/``spend_sql``, ``plans``/``plans_sql``, ``appointments``/``appointments_sql``,
``calls`` (the folder of filled-in worklists), ``db_url_env`` (the *name* of the
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
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clinicvalue.errors import ClinicValueError, InputError, ReportError, StaleDataError
from clinicvalue.load import parse_mapping
from clinicvalue.load.sources import DEFAULT_URL_ENV, SqlSource
from clinicvalue.names import check_clinic_id, clinic_id_key, parse_month
from clinicvalue.progress import progress
from clinicvalue.report.notebook import read_profile
from clinicvalue.report.peers import (
    Benchmark,
    ClinicKpis,
    benchmarks,
    check_benchmarks,
    peer_lines,
)
from clinicvalue.report.portfolio import portfolio_frames, write_portfolio
from clinicvalue.report.run import StagedReport, staged_report
from clinicvalue.report.workspace import report_folder, report_workspace
from clinicvalue.text.i18n import LOCALES

__all__ = ["BatchRow", "BatchResult", "read_clinics", "run_batch"]

_KEYS = {
    "id",
    "visits",
    "patients",
    "spend",
    "plans",
    "appointments",
    "calls",
    "profile",
    "locale",
    "mapping",
    "encoding",
    "drop_invalid",
    "db_url_env",
    *(f"{t}_sql" for t in ("visits", "patients", "spend", "plans", "appointments")),
}
_TABLES = ("visits", "patients", "spend", "plans", "appointments")
_PATHS = (*_TABLES, "profile", "calls")


@dataclass(frozen=True)
class BatchRow:
    """One clinic's outcome; ``stale`` when its data end too early for the month."""

    clinic: str
    ok: bool
    seconds: float
    folder: str = ""
    error: str = ""
    stale: bool = False

    @property
    def status(self) -> str:
        """``ok``, ``STALE`` or ``FAILED``, as the summary shows it."""
        return "ok" if self.ok else "STALE" if self.stale else "FAILED"


@dataclass(frozen=True)
class BatchResult:
    """Every clinic's outcome, in the order of ``clinics.toml``."""

    month: str
    rows: list[BatchRow] = field(default_factory=list)
    portfolio: str = ""  # the portfolio's folder, when any clinic was reported
    portfolio_error: str = ""  # why the portfolio could not be written

    @property
    def ok(self) -> bool:
        """Whether every clinic's report, and the portfolio, were written."""
        return all(r.ok for r in self.rows) and not self.portfolio_error

    @property
    def failed(self) -> list[str]:
        """The clinics whose report failed."""
        return [r.clinic for r in self.rows if not r.ok]

    def summary_table(self) -> str:
        """Return a plain-text table: clinic, status, seconds, folder or error."""
        head = ("clinic", "status", "seconds", "report / error")
        body = [(r.clinic, r.status, f"{r.seconds:.1f}", r.folder or r.error) for r in self.rows]
        widths = [max(len(str(x)) for x in col) for col in zip(head, *body, strict=False)]
        widths[-1] = 0
        lines = [
            "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in (head, *body)
        ]
        ok = sum(r.ok for r in self.rows)
        lines.append(f"{ok} of {len(self.rows)} clinic(s) reported for {self.month}")
        if self.portfolio:
            lines.append(f"portfolio: {self.portfolio}")
        if self.portfolio_error:
            lines.append(self.portfolio_error)
        return "\n".join(lines)

    def to_metrics(self) -> dict[str, Any]:
        """Return the outcome as JSON-ready values."""
        return {
            "month": self.month,
            "ok": self.ok,
            "clinics": [{**r.__dict__, "status": r.status} for r in self.rows],
            "portfolio": self.portfolio,
            "portfolio_error": self.portfolio_error,
        }


def _read_file(path: str | Path) -> tuple[Path, list[Any]]:
    """Return the file and its raw ``[[clinic]]`` tables; raise for a file that is unusable."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"clinics file not found: {p}", file=str(p))
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid TOML: {exc}", file=str(p)) from exc
    clinics = data.get("clinic")
    if not isinstance(clinics, list) or not clinics:
        raise InputError(
            "list each clinic as a [[clinic]] table with at least visits = ...", file=str(p)
        )
    unknown = sorted(set(data) - {"clinic"})
    if unknown:
        raise InputError(
            f"unknown top-level key {', '.join(unknown)}; the file holds only [[clinic]] tables",
            file=str(p),
        )
    return p, clinics


_TEXT_KEYS = (*_PATHS, *(f"{t}_sql" for t in _TABLES), "db_url_env", "encoding", "locale")


def _check_types(entry: dict[str, Any], n: int, p: Path) -> None:
    """Raise for a value of the wrong type, naming the clinic and the key."""
    for key in _TEXT_KEYS:
        if key in entry and (not isinstance(entry[key], str) or not entry[key].strip()):
            raise InputError(
                f'clinic #{n}: {key} must be text in quotes, e.g. {key} = "…"; got {entry[key]!r}',
                file=str(p),
            )
    if "drop_invalid" in entry and not isinstance(entry["drop_invalid"], bool):
        raise InputError(
            f"clinic #{n}: drop_invalid must be true or false (no quotes); "
            f"got {entry['drop_invalid']!r}",
            file=str(p),
        )
    mapping = entry.get("mapping", {})
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        raise InputError(
            f'clinic #{n}: mapping must be a table of column = "header", e.g. '
            'mapping = { patient_id = "客戶編號" }',
            file=str(p),
        )
    try:
        parse_mapping([f"{k}={v}" for k, v in mapping.items()])
    except ClinicValueError as exc:
        raise InputError(f"clinic #{n}: mapping: {exc}", file=str(p)) from None
    if "locale" in entry and entry["locale"] not in LOCALES:
        raise InputError(
            f"clinic #{n}: locale must be one of {', '.join(LOCALES)}; got {entry['locale']!r}",
            file=str(p),
        )
    if "id" in entry:
        check_clinic_id(entry["id"], where=f"{p.name}: clinic #{n}: id")


def _settings(entry: Any, n: int, p: Path) -> dict[str, Any]:
    """Check one ``[[clinic]]`` table and return its settings, paths made absolute."""
    if not isinstance(entry, dict):
        raise InputError(f"clinic #{n} must be a [[clinic]] table", file=str(p))
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise InputError(
            f"clinic #{n}: unknown key {', '.join(unknown)}; allowed: {', '.join(sorted(_KEYS))}",
            file=str(p),
        )
    if "db_url_env" in entry and not (
        isinstance(entry["db_url_env"], str) and entry["db_url_env"].isidentifier()
    ):
        raise InputError(
            f"clinic #{n}: db_url_env must be the name of an environment variable, e.g. "
            '"SOUTH_HIS_URL" (never put the URL itself here; it is not repeated in this '
            "message in case it holds a password)",
            file=str(p),
        )
    _check_types(entry, n, p)
    for table in _TABLES:
        if entry.get(table) and entry.get(f"{table}_sql"):
            raise InputError(f"clinic #{n}: give {table} or {table}_sql, not both", file=str(p))
    if not entry.get("visits") and not entry.get("visits_sql"):
        raise InputError(
            f'clinic #{n}: missing visits = "<file>" (or visits_sql = "SELECT …")',
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
    return item


def read_clinics(path: str | Path) -> list[dict[str, Any]]:
    """Read ``clinics.toml`` into one settings dict per clinic, paths made absolute.

    Raises
    ------
    InputError
        When the file is missing, is not TOML, lists no clinic, or a clinic has an
        unknown key or a value of the wrong type (the first such clinic).
    """
    p, clinics = _read_file(path)
    return [_settings(entry, n, p) for n, entry in enumerate(clinics, start=1)]


def _sources(item: dict[str, Any]) -> dict[str, Any]:
    """Return each table's source for :func:`run_report`: a path, a SqlSource or None."""
    env = item.get("db_url_env") or DEFAULT_URL_ENV
    return {
        table: (
            SqlSource(item[f"{table}_sql"], url_env=env, label=table)
            if item.get(f"{table}_sql")
            else item.get(table)
        )
        for table in _TABLES
    }


def _name(entry: Any, n: int) -> str:
    """Return how the summary names a clinic before its profile is read."""
    if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"]:
        return entry["id"]
    return f"clinic #{n}"


@dataclass(frozen=True)
class _Planned:
    """A clinic checked and ready to run, or the reason it cannot."""

    name: str
    item: dict[str, Any] | None = None
    profile: Any = None
    error: str = ""


def _plan(p: Path, clinics: list[Any]) -> list[_Planned]:
    """Check every clinic and read its profile; refuse ids that would share a folder."""
    planned = []
    for n, entry in enumerate(clinics, start=1):
        name = _name(entry, n)
        try:
            item = _settings(entry, n, p)
            prof = read_profile(item.get("profile"))
            check_benchmarks(prof, source=item.get("profile") or "profile")
            if item.get("id"):
                prof = prof.replace(clinic__id=item["id"])
            planned.append(_Planned(prof.clinic.id, item, prof))
        except ClinicValueError as exc:
            planned.append(_Planned(name, error=str(exc)))
    seen: dict[str, str] = {}
    for plan in planned:
        if plan.item is None:
            continue
        key = clinic_id_key(plan.name)
        if key in seen:
            raise InputError(
                f"two clinics share the id {seen[key]!r} / {plan.name!r} (ids are compared "
                "ignoring case and width), so their reports would overwrite each other; give "
                "each clinic its own id. Nothing was run",
                file=str(p),
            )
        seen[key] = plan.name
    return planned


#: the folder under ``out`` that holds the portfolio; no clinic may take this id
PORTFOLIO = "portfolio"


@dataclass
class _Running:
    """A clinic whose notebook ran: its staged report, the stack that publishes it."""

    plan: _Planned
    staged: StagedReport
    stack: ExitStack
    seconds: float


def _stage(plan: _Planned, month: str, out: str | Path, deck: bool | None) -> _Running:
    """Run one clinic's notebook into its workspace (published later, by its stack)."""
    item = plan.item or {}
    started = time.perf_counter()
    stack = ExitStack()
    staged = stack.enter_context(
        staged_report(
            **_sources(item),
            calls=item.get("calls"),
            profile=plan.profile,
            month=month,
            locale=item.get("locale"),
            out=out,
            mapping=item.get("mapping"),
            encoding=item.get("encoding"),
            drop_invalid=bool(item.get("drop_invalid", False)),
            deck=deck,
        )
    )
    return _Running(plan, staged, stack, time.perf_counter() - started)


def _kpis(run: _Running) -> ClinicKpis:
    m, clinic = run.staged.metrics, run.staged.profile.clinic
    return ClinicKpis(run.plan.name, clinic.kind, m["kpis"], m["currency"], clinic.name)


def _portfolio(done: list[_Running], month: str, out: str | Path) -> str:
    """Write the portfolio of the clinics reported; return its folder ("" when none)."""
    if not done:
        return ""
    clinics = [_kpis(r) for r in done]
    locales = Counter(r.staged.locale for r in done)
    marks: dict[str, Benchmark] = {}
    for r in done:
        for key, mark in benchmarks(r.staged.profile).items():
            marks.setdefault(key, mark)
    with report_workspace(out, PORTFOLIO, month) as tmp:
        write_portfolio(
            portfolio_frames(month, clinics),
            tmp,
            locale=locales.most_common(1)[0][0],
            benchmarks=marks,
        )
    return str(report_folder(out, PORTFOLIO, month))


def run_batch(
    clinics_toml: str | Path,
    *,
    month: str,
    out: str | Path = "reports",
    deck: bool | None = None,
) -> BatchResult:
    """Run every clinic's report for ``month``; keep going when one fails.

    Each clinic's notebook runs first; then every clinic's report gains its comparison
    with similar clinics (the batch's other clinics of its kind, from
    :data:`~clinicvalue.report.peers.MIN_PEERS` of them) and is published; last,
    ``out/portfolio/<month>/`` gets ``portfolio.xlsx`` and ``portfolio.pdf`` of the
    clinics reported. A clinic whose settings are wrong is listed as failed with the
    reason; two clinics whose ids would share a folder stop the batch before anything
    runs.

    Returns
    -------
    BatchResult
        ``ok`` is false when any clinic failed; ``summary_table()`` prints the outcome.
    """
    month = parse_month(month)
    p, clinics = _read_file(clinics_toml)
    plans = _plan(p, clinics)
    for plan in plans:
        if plan.item is not None and clinic_id_key(plan.name) == clinic_id_key(PORTFOLIO):
            raise InputError(
                f"a clinic may not have the id {plan.name!r}: the batch writes the portfolio "
                f"to {PORTFOLIO}/; give the clinic another id. Nothing was run",
                file=str(p),
            )
    rows: dict[str, BatchRow] = {}
    running: list[_Running] = []
    done: list[_Running] = []
    try:
        for plan in progress(plans, desc=f"reports {month}", unit="clinic"):
            if plan.item is None:
                rows[plan.name] = BatchRow(plan.name, False, 0.0, error=plan.error)
                continue
            started = time.perf_counter()
            try:
                running.append(_stage(plan, month, out, deck))
            except ClinicValueError as exc:
                took = time.perf_counter() - started
                stale = isinstance(exc, StaleDataError)
                rows[plan.name] = BatchRow(plan.name, False, took, error=str(exc), stale=stale)
        lines = peer_lines([_kpis(r) for r in running])
        for run in running:
            started = time.perf_counter()
            try:
                with run.stack:  # publishes the folder when finish() succeeds
                    run.staged.finish(peers=lines.get(run.plan.name))
                folder = report_folder(Path(out).resolve(), run.staged.clinic_id, month)
                took = run.seconds + time.perf_counter() - started
                rows[run.plan.name] = BatchRow(run.plan.name, True, took, folder=str(folder))
                done.append(run)
            except ClinicValueError as exc:
                took = run.seconds + time.perf_counter() - started
                rows[run.plan.name] = BatchRow(run.plan.name, False, took, error=str(exc))
    finally:  # a batch stopped part-way (an interrupt, a bug) publishes nothing unfinished
        stop = ReportError("the batch stopped before this clinic's report was finished")
        for run in running:
            if run.plan.name not in rows:
                run.stack.__exit__(ReportError, stop, None)
    portfolio, problem = "", ""
    try:
        portfolio = _portfolio(done, month, out)
    except ClinicValueError as exc:
        problem = f"the portfolio was not written: {exc}"
    return BatchResult(
        month=month,
        rows=[rows[plan.name] for plan in plans],
        portfolio=portfolio,
        portfolio_error=problem,
    )
