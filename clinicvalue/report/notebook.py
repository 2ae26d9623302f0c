"""What the notebooks call: open a clinic's inputs, read and write a run's artefacts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clinicvalue.bundled import samples_folder
from clinicvalue.data import ClinicData
from clinicvalue.errors import ProfileError, ReportError
from clinicvalue.load import load_clinic
from clinicvalue.load.sources import SqlSource
from clinicvalue.names import check_clinic_id
from clinicvalue.profile import ClinicProfile, load_profile
from clinicvalue.report.excel import write_worklist
from clinicvalue.report.monthly import MonthlyReport
from clinicvalue.writers import write_json

__all__ = [
    "open_clinic",
    "read_profile",
    "read_metrics",
    "write_outputs",
    "notebook_output_folder",
]


def read_profile(path: str | Path | None) -> ClinicProfile:
    """Read a profile from TOML, or from the JSON ``run_report`` writes; ``""`` = defaults."""
    if not path:
        return ClinicProfile()
    p = Path(path)
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ProfileError(f"{p}: cannot read the profile ({exc})") from exc
        return ClinicProfile.from_dict(data, source=str(p))
    return load_profile(p)


def _sample(kind: str | Path, table: str) -> str | None:
    folder = Path(kind) if isinstance(kind, Path) else samples_folder() / kind
    hits = sorted(p for p in folder.glob(f"{table}.*") if p.suffix.lower() != ".toml")
    return str(hits[0]) if hits else None


def open_clinic(
    *,
    visits: str = "",
    patients: str = "",
    spend: str = "",
    plans: str = "",
    appointments: str = "",
    calls: str = "",
    profile: str = "",
    mapping: dict[str, str] | None = None,
    encoding: str = "",
    drop_invalid: bool = False,
    sample: str = "dental",
    folder: str = "",
    visits_sql: str = "",
    patients_sql: str = "",
    spend_sql: str = "",
    plans_sql: str = "",
    appointments_sql: str = "",
    db_url_env: str = "CLINICVALUE_DB_URL",
) -> tuple[ClinicData, ClinicProfile]:
    """Load a clinic's inputs.

    A table given as ``<table>_sql`` is read from the database whose URL is in the
    environment variable named ``db_url_env`` (only the name travels here). With no
    ``visits`` at all, the clinic in ``folder`` (``visits.*``, ``patients.*``,
    ``spend.*``, ``plans.*``, ``appointments.*``, ``clinic.toml``) is used, else the
    bundled ``sample`` clinic.
    """
    queries = {
        "visits": visits_sql,
        "patients": patients_sql,
        "spend": spend_sql,
        "plans": plans_sql,
        "appointments": appointments_sql,
    }
    sql = {t: SqlSource(q, url_env=db_url_env, label=t) for t, q in queries.items() if q}
    if not visits and "visits" not in sql:
        where = Path(folder) if folder else samples_folder() / sample
        visits = _sample(where, "visits") or ""
        if not visits:
            raise ReportError(f"no visits given and no visits file in {where.resolve()}")
        patients = patients or _sample(where, "patients") or ""
        spend = spend or _sample(where, "spend") or ""
        plans = plans or _sample(where, "plans") or ""
        appointments = appointments or _sample(where, "appointments") or ""
        toml = where / "clinic.toml"
        profile = profile or (str(toml) if toml.is_file() else "")
    prof = read_profile(profile)
    data = load_clinic(
        sql.get("visits", visits),
        patients=sql.get("patients", patients or None),
        spend=sql.get("spend", spend or None),
        plans=sql.get("plans", plans or None),
        appointments=sql.get("appointments", appointments or None),
        calls=calls or None,
        mapping=mapping or None,
        encoding=encoding or None,
        drop_invalid=drop_invalid,
        profile=prof,
    )
    return data, prof


def read_metrics(path: str | Path | None) -> dict[str, Any] | None:
    """Return last month's ``metrics.json``, or ``None`` when there is none.

    A file that exists but cannot be read is not ignored in silence: the result is
    ``{"unreadable": reason}``, which the report states in its data-quality notes.
    """
    if not path or not Path(path).is_file():
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return {"unreadable": f"{type(exc).__name__}: {str(exc)[:120]}"}
    if not isinstance(data, dict):
        return {"unreadable": "not a JSON object"}
    return data


def notebook_output_folder(clinic_id: str, month: str, *, cwd: Path | None = None) -> Path:
    """Return where a notebook run by hand (JupyterLab, plain papermill) writes its files.

    That is ``reports/notebook/<clinic>/<month>/`` in the project: beside the
    ``notebooks`` folder the notebook runs in, else in the current folder. Never beside
    the notebook itself, where staff lists would end up next to code.
    """
    here = (cwd or Path.cwd()).resolve()
    base = here.parent if here.name == "notebooks" else here
    return base / "reports" / "notebook" / check_clinic_id(clinic_id) / month


def write_outputs(report: MonthlyReport, folder: str | Path = "") -> list[Path]:
    """Write ``metrics.json`` and ``actions.xlsx`` of ``report`` into ``folder``.

    With no ``folder``, they go to :func:`notebook_output_folder`.
    """
    folder = Path(folder) if folder else notebook_output_folder(report.clinic_id, report.month)
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_json(report.metrics, folder / "metrics.json"),
        write_worklist(
            report.worklist, folder / "actions.xlsx", profile=report.profile, locale=report.locale
        ),
    ]
