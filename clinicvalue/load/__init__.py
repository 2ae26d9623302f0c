"""Load a clinic's exports into the canonical tables of :mod:`clinicvalue.data`.

Exports may be CSV/TSV/TXT (UTF-8 with or without BOM, Big5/CP950, GBK/GB18030), Excel
``.xlsx`` or Parquet files, data frames, or SQL sources; headers may be English,
Traditional or Simplified Chinese. Every cell is read as text first, so patient IDs keep
their leading zeros. Bad rows stop the load with a message naming file, line, column and
value, or, with ``drop_invalid``, are skipped and listed in ``quality.rejected``.
Input files are only ever read.

A blank amount is an error (write 0 for a free item); negative amounts are refunds,
netted into the day's visit and counted in the data quality.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from clinicvalue.data import ClinicData, DataQuality
from clinicvalue.errors import InputError, OptionError
from clinicvalue.load._headers import SYNONYMS, TABLES, norm_header
from clinicvalue.load._parse import normalise_statuses
from clinicvalue.load._read import read_raw
from clinicvalue.load._tables import (
    REJECTED_COLUMNS,
    ReadOptions,
    TableResult,
    parse_table,
    raise_first,
    reject_duplicate_ids,
)
from clinicvalue.load.calls import read_calls
from clinicvalue.load.visit_rule import aggregate_visits
from clinicvalue.profile import ClinicProfile
from clinicvalue.text.i18n import call_notes, visit_notes
from clinicvalue.writers import atomic_path, write_csv

__all__ = [
    "load_clinic",
    "load_visits",
    "load_patients",
    "load_spend",
    "load_plans",
    "load_appointments",
    "parse_mapping",
    "describe_quality",
    "write_rejected",
    "HEADER_SYNONYMS",
]

#: Recognised header synonyms per table and canonical column.
HEADER_SYNONYMS = SYNONYMS

Source = Any  # str | Path | pd.DataFrame | SqlSource


def parse_mapping(items: list[str] | tuple[str, ...] | None) -> dict[str, str]:
    """Turn ``["patient_id=客戶編號", ...]`` (the CLI's ``--map``) into a mapping.

    Raises
    ------
    OptionError
        For an item without ``=`` or a canonical name no table has.
    """
    allowed = sorted({c for req, opt in TABLES.values() for c in (*req, *opt)})
    out: dict[str, str] = {}
    for item in items or []:
        canon, sep, header = str(item).partition("=")
        canon, header = canon.strip(), header.strip()
        if not sep or not canon or not header:
            raise OptionError(
                f"--map takes column=header, e.g. --map patient_id=客戶編號; got '{item}'"
            )
        if canon not in allowed:
            raise OptionError(f"--map column must be one of {', '.join(allowed)}; got '{canon}'")
        out[canon] = header
    return out


def _settings(
    profile: ClinicProfile | None, encoding: str | None, drop_invalid: bool
) -> tuple[ClinicProfile, str | None, bool]:
    prof = profile if profile is not None else ClinicProfile()
    enc = encoding or prof.load.encoding or None
    return prof, enc, bool(drop_invalid or prof.load.drop_invalid)


def read_options(profile: ClinicProfile) -> ReadOptions:
    """Return how cells are read, from the profile's ``[load]`` section."""
    return ReadOptions(
        date_format=profile.load.date_format,
        decimal=profile.load.decimal,
        status_words=dict(profile.load.status_words),
    )


def _load_table(
    source: Source,
    table: str,
    *,
    mapping: dict[str, str] | None,
    encoding: str | None,
    drop_invalid: bool,
    options: ReadOptions,
) -> TableResult:
    """Read, parse and validate one table; raise on bad rows unless dropping them."""
    raw = read_raw(source, label=table, encoding=encoding)
    result = parse_table(raw, table, mapping=mapping, options=options)
    if table == "patients":
        result = reject_duplicate_ids(result, raw.name)
    result.notes[:0] = raw.notes
    if not drop_invalid:
        raise_first(result, raw)
    return result


def _satisfaction_scale(
    lines: pd.DataFrame, result: TableResult, profile: ClinicProfile, drop_invalid: bool
) -> tuple[pd.DataFrame, list[str]]:
    """Put satisfaction scores on the 0–100 scale the churn thresholds use.

    The scale's top is the profile's ``load.satisfaction_scale``, or detected from the
    highest score (5, 10 or 100). A score outside 0 … top is an error naming its line
    (with ``drop_invalid``, it is left out and counted).
    """
    if "satisfaction" not in lines or lines["satisfaction"].notna().sum() == 0:
        return lines, []
    score = lines["satisfaction"]
    top = profile.load.satisfaction_scale
    detected = not top
    if detected:
        high = float(score.max())
        top = 5 if high <= 5 else 10 if high <= 10 else 100
    outside = (score < 0) | (score > top)
    notes = []
    if outside.any():
        first = lines[outside].iloc[0]
        header = result.info["columns"]["satisfaction"]
        if not drop_invalid:
            raise InputError(
                f"satisfaction score {first['satisfaction']:g} is outside the 0–{top} scale; "
                "fix it, set load.satisfaction_scale in the profile, or use --drop-invalid",
                file=result.info["file"],
                line=int(first["source_line"]),
                column=header,
                value=first["satisfaction"],
            )
        notes.append(
            f"{result.info['file']}: {int(outside.sum())} satisfaction score(s) outside 0–{top} "
            "left out"
        )
        score = score.mask(outside)
    lines = lines.assign(satisfaction=score * (100.0 / top))
    if top != 100:
        how = "detected from the highest score" if detected else "as the profile sets"
        notes.append(
            f"{result.info['file']}: satisfaction read on a scale of {top} ({how}) and shown "
            "out of 100"
        )
    return lines, notes


def _finish_visits(
    result: TableResult, profile: ClinicProfile, drop_invalid: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Return (visits, lines, notes) from parsed visit lines."""
    lines, scale_notes = _satisfaction_scale(result.frame, result, profile, drop_invalid)
    front = ["patient_id", "visit_date", "amount", "source_line"]
    lines = lines[front + [c for c in lines.columns if c not in front]]
    not_visit = normalise_statuses(list(profile.load.not_visit_statuses))
    visits, refund_days = aggregate_visits(lines, not_visit)
    info = result.info
    info["refund_days"] = refund_days.days
    info["refund_days_total"] = refund_days.total
    info["refund_orphan_days"] = refund_days.orphan_days
    info["refund_orphan_total"] = refund_days.orphan_total
    neg = lines["amount"] < 0
    info["refunds"] = int(neg.sum())
    info["refund_total"] = float(lines.loc[neg, "amount"].sum())
    not_attended = (
        int(lines["status"].isin(list(not_visit)).fillna(False).sum()) if "status" in lines else 0
    )
    info["not_visits"] = not_attended
    info["visits"] = int(len(visits))
    left_out = refund_days.orphan_lines
    info["line_items_merged"] = int(len(lines) - not_attended - left_out - len(visits))
    notes = visit_notes(info, "en", profile.clinic.currency) + scale_notes
    return visits.reset_index(drop=True), lines.reset_index(drop=True), notes


def _visits_of(lines: pd.DataFrame, not_visit: frozenset[str]) -> pd.DataFrame:
    """Return the visits of loaded line items, by the loader's visit rule."""
    return aggregate_visits(lines, set(not_visit))[0].reset_index(drop=True)


def _finish_patients(result: TableResult) -> pd.DataFrame:
    frame = result.frame.drop(columns="source_line")
    if "contact_ok" in frame:
        frame["contact_ok"] = frame["contact_ok"].fillna(False).astype(bool)
    return frame


def _finish_spend(result: TableResult) -> tuple[pd.DataFrame, list[str]]:
    frame = result.frame.drop(columns="source_line")
    notes = []
    if "purpose" not in frame:
        frame["purpose"] = "acquisition"
        notes.append(f"{result.info['file']}: no purpose column; all spend counted as acquisition")
    elif frame["purpose"].isna().any():
        notes.append(
            f"{result.info['file']}: {int(frame['purpose'].isna().sum())} row(s) without a "
            "purpose counted as acquisition"
        )
    frame["purpose"] = frame["purpose"].fillna("acquisition").astype("string")
    return frame, notes


def _finish_plans(result: TableResult) -> pd.DataFrame:
    frame = result.frame.drop(columns="source_line")
    if "is_chief_complaint" in frame:
        frame["is_chief_complaint"] = frame["is_chief_complaint"].fillna(False).astype(bool)
    else:
        frame["is_chief_complaint"] = False
    return frame


def _finish_appointments(result: TableResult) -> pd.DataFrame:
    frame = result.frame.drop(columns="source_line")
    if "status" not in frame:
        frame["status"] = "booked"
    frame["status"] = frame["status"].fillna("booked").astype("string")
    return frame.sort_values(["patient_id", "date"], kind="stable", ignore_index=True)


def _quality(
    results: dict[str, TableResult], extra_notes: list[str], extra_files: dict[str, dict]
) -> DataQuality:
    rejected = [r.rejected for r in results.values() if len(r.rejected)]
    notes = [n for r in results.values() for n in r.notes] + extra_notes
    return DataQuality(
        files={k: r.info for k, r in results.items()} | extra_files,
        rejected=(
            pd.concat(rejected, ignore_index=True)
            if rejected
            else pd.DataFrame(columns=REJECTED_COLUMNS)
        ),
        notes=notes,
    )


def load_clinic(
    visits: Source,
    *,
    patients: Source | None = None,
    spend: Source | None = None,
    plans: Source | None = None,
    appointments: Source | None = None,
    calls: str | Path | None = None,
    mapping: dict[str, str] | None = None,
    encoding: str | None = None,
    drop_invalid: bool = False,
    profile: ClinicProfile | None = None,
) -> ClinicData:
    """Load a clinic's exports into canonical tables with their data quality.

    Parameters
    ----------
    visits
        The visit (line-item) export: a path, a data frame or a SQL source.
    patients, spend, plans, appointments
        The optional patients, marketing-spend, treatment-plan and appointment-book
        exports.
    calls
        The folder of worklists staff filled in (:func:`clinicvalue.load.calls.read_calls`).
    mapping
        ``{canonical: user_header}`` for headers the kit does not recognise.
    encoding
        Force a text encoding (default: ``profile.load.encoding``, else detect).
    drop_invalid
        Skip bad rows (listed in ``quality.rejected``) instead of raising
        (also on with ``profile.load.drop_invalid``).
    profile
        The clinic profile (defaults when omitted).

    Returns
    -------
    ClinicData
        ``visits`` one row per attended (patient, day), ``lines`` every valid line item.
    """
    prof, enc, drop = _settings(profile, encoding, drop_invalid)
    results: dict[str, TableResult] = {}
    for table, source in (
        ("visits", visits),
        ("patients", patients),
        ("spend", spend),
        ("plans", plans),
        ("appointments", appointments),
    ):
        if source is None:
            continue
        results[table] = _load_table(
            source,
            table,
            mapping=mapping,
            encoding=enc,
            drop_invalid=drop,
            options=read_options(prof),
        )
    v, lines, notes = _finish_visits(results["visits"], prof, drop)
    not_visit = frozenset(normalise_statuses(list(prof.load.not_visit_statuses)))
    data = ClinicData(
        visits=v,
        lines=lines,
        visit_rule=partial(_visits_of, not_visit=not_visit),
        patients=_finish_patients(results["patients"]) if "patients" in results else None,
        plans=_finish_plans(results["plans"]) if "plans" in results else None,
        appointments=(
            _finish_appointments(results["appointments"]) if "appointments" in results else None
        ),
    )
    read_back: dict[str, dict] = {}  # the worklists read back, a row of the quality table
    if calls is not None:
        data.calls = read_calls(calls, clinic=prof.clinic.id)
        read_back["calls"] = calls_info = {
            "file": Path(calls).name,
            "format": "worklists",
            "encoding": None,
            "rows_read": len(data.calls),
            "rows_kept": len(data.calls),
            "rows_rejected": 0,
            "with_outcome": int(data.calls["outcome"].notna().sum()),
            "columns": {},
        }
        notes += call_notes(calls_info, "en")
    if "spend" in results:
        data.spend, spend_notes = _finish_spend(results["spend"])
        notes += spend_notes
    used = {(c, norm_header(h)) for r in results.values() for c, h in r.info["columns"].items()}
    for canon, header in (mapping or {}).items():
        if (canon, norm_header(header)) not in used:
            notes.append(f"--map {canon}={header}: no input file has a column '{header}'")
    data.quality = _quality(results, notes, read_back)
    return data


def load_visits(
    source: Source,
    *,
    mapping: dict[str, str] | None = None,
    encoding: str | None = None,
    drop_invalid: bool = False,
    profile: ClinicProfile | None = None,
) -> ClinicData:
    """Load only a visits export (see :func:`load_clinic`)."""
    return load_clinic(
        source, mapping=mapping, encoding=encoding, drop_invalid=drop_invalid, profile=profile
    )


def _single(table: str, source: Source, **kw: Any) -> tuple[TableResult, ClinicProfile]:
    prof, enc, drop = _settings(kw.pop("profile"), kw.pop("encoding"), kw.pop("drop_invalid"))
    result = _load_table(
        source, table, encoding=enc, drop_invalid=drop, options=read_options(prof), **kw
    )
    return result, prof


def load_patients(
    source: Source,
    *,
    mapping: dict[str, str] | None = None,
    encoding: str | None = None,
    drop_invalid: bool = False,
    profile: ClinicProfile | None = None,
) -> pd.DataFrame:
    """Load a patients export into the canonical patients table."""
    result, _ = _single(
        "patients",
        source,
        mapping=mapping,
        encoding=encoding,
        drop_invalid=drop_invalid,
        profile=profile,
    )
    return _finish_patients(result)


def load_spend(
    source: Source,
    *,
    mapping: dict[str, str] | None = None,
    encoding: str | None = None,
    drop_invalid: bool = False,
    profile: ClinicProfile | None = None,
) -> pd.DataFrame:
    """Load a marketing-spend export into the canonical spend table."""
    result, _ = _single(
        "spend",
        source,
        mapping=mapping,
        encoding=encoding,
        drop_invalid=drop_invalid,
        profile=profile,
    )
    return _finish_spend(result)[0]


def load_plans(
    source: Source,
    *,
    mapping: dict[str, str] | None = None,
    encoding: str | None = None,
    drop_invalid: bool = False,
    profile: ClinicProfile | None = None,
) -> pd.DataFrame:
    """Load a treatment-plans export into the canonical plans table."""
    result, _ = _single(
        "plans",
        source,
        mapping=mapping,
        encoding=encoding,
        drop_invalid=drop_invalid,
        profile=profile,
    )
    return _finish_plans(result)


def load_appointments(
    source: Source,
    *,
    mapping: dict[str, str] | None = None,
    encoding: str | None = None,
    drop_invalid: bool = False,
    profile: ClinicProfile | None = None,
) -> pd.DataFrame:
    """Load an appointment-book export into the canonical appointments table."""
    result, _ = _single(
        "appointments",
        source,
        mapping=mapping,
        encoding=encoding,
        drop_invalid=drop_invalid,
        profile=profile,
    )
    return _finish_appointments(result)


def describe_quality(quality: DataQuality) -> str:
    """Return a short plain-language summary of what loading saw."""
    out = []
    for table, info in quality.files.items():
        enc = f", {info['encoding']}" if info.get("encoding") else ""
        line = (
            f"{table}: {info['file']} ({info['format']}{enc}) — {info['rows_read']:,} row(s) "
            f"read, {info['rows_kept']:,} kept, {info['rows_rejected']:,} rejected"
        )
        if table == "visits":
            line += f"; {info['visits']:,} visit(s)"
        out.append(line)
        mapped = ", ".join(f"{c}←{h}" for c, h in info["columns"].items())
        out.append(f"  columns: {mapped}")
    if quality.n_rejected:
        by_reason = quality.rejected["column"].astype(str).value_counts()
        out.append(
            "rejected rows by column: " + ", ".join(f"{c} {n}" for c, n in by_reason.items())
        )
    out.extend(f"note: {n}" for n in quality.notes)
    return "\n".join(out)


def write_rejected(quality: DataQuality, path: str | Path) -> Path:
    """Write every rejected row (file, line, column, value, reason) to a CSV file.

    The file quotes the raw values it could not read, so it is the one output that may
    hold names, phone numbers or IDs as the export had them: it is created readable by
    its owner only, and its cells are inert in a spreadsheet. UTF-8 with a BOM so Excel
    shows Chinese text correctly.
    """
    frame = quality.rejected.reindex(columns=REJECTED_COLUMNS)
    return atomic_path(path, lambda tmp: write_csv(frame, tmp), private=True)
