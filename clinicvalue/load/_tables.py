"""Per-table parsing and validation, and the line-item → visit aggregation."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from clinicvalue.errors import InputError
from clinicvalue.load import _parse as P
from clinicvalue.load._headers import resolve_headers
from clinicvalue.load._read import CodedColumn, RawTable

__all__ = [
    "REJECTED_COLUMNS",
    "ReadOptions",
    "TableResult",
    "parse_table",
]

#: What ``data_quality.csv`` lists per rejected row; ``reason`` quotes the raw value.
REJECTED_COLUMNS = ["file", "line", "column", "value", "reason"]

# canonical column → how its cells are read
_KINDS: dict[str, dict[str, str]] = {
    "visits": {
        "patient_id": "id",
        "visit_date": "date!",
        "amount": "amount!",
        "visit_id": "text",
        "treatment": "text",
        "doctor": "text",
        "department": "text",
        "branch": "text",
        "status": "visit_status",
        "satisfaction": "number",
        "complaint": "text",
        "insurer_amount": "amount",
    },
    "patients": {
        "patient_id": "id",
        "first_visit": "date",
        "birth_date": "date",
        "sex": "sex",
        "channel": "text",
        "referred_by": "text",
        "condition": "text",
        "contact_ok": "bool",
        "name": "text",
        "phone": "text",
    },
    "spend": {
        "month": "month!",
        "channel": "text!",
        "amount": "amount!",
        "purpose": "purpose",
    },
    "plans": {
        "patient_id": "id",
        "item": "text!",
        "status": "plan_status!",
        "is_chief_complaint": "bool",
        "planned_date": "date",
        "done_date": "date",
    },
    "appointments": {
        "patient_id": "id",
        "date": "date!",
        "time": "time",
        "status": "appointment_status",
        "treatment": "text",
        "doctor": "text",
    },
}

_BLANK_REASON = {
    "id": "blank patient ID (every row needs the patient's ID)",
    "date": "blank date (" + P.DATE_EXPECTED + ")",
    "month": "blank month (" + P.MONTH_EXPECTED + ")",
    "amount": "blank amount (every row needs an amount; write 0 for a free item)",
    "text": "blank value (this column must be filled in)",
    "plan_status": "blank status (expected planned, started or done)",
}


@dataclass(frozen=True)
class ReadOptions:
    """How cells are read, from the profile's ``[load]`` and the command line.

    Attributes
    ----------
    date_format
        A ``strptime`` format for every date cell (``%d/%m/%y``); empty = the kit's forms.
    decimal
        ``"."``, ``","`` or ``"auto"`` (per column: decimal commas when only they fit).
    status_words
        The clinic's own visit-status words → ``completed``, ``consult``, ``no-show`` or
        ``cancelled``.
    """

    date_format: str = ""
    decimal: str = "auto"
    status_words: dict[str, str] = field(default_factory=dict)


@dataclass
class TableResult:
    """One table after parsing: kept rows, rejected rows and what was seen."""

    frame: pd.DataFrame
    rejected: pd.DataFrame
    info: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def _expected(kind: str) -> tuple[str, str]:
    """Return (what the value should be, the expectation) for a cell kind's error message."""
    if kind == "visit_status":
        shown = ", ".join(f"{k} ({'/'.join(v[-3:])})" for k, v in P.VISIT_STATUSES.items())
        return "a visit status", (
            f"expected one of {shown}; or map the clinic's own word in the profile, e.g. "
            '[load.status_words] "已報到" = "completed"'
        )
    vocab = {
        "plan_status": ("a plan status", P.PLAN_STATUSES),
        "appointment_status": ("an appointment status", P.APPOINTMENT_STATUSES),
        "purpose": ("a spend purpose", P.PURPOSES),
        "sex": ("a sex", P.SEXES),
    }
    if kind in vocab:
        what, words = vocab[kind]
        shown = ", ".join(f"{k} ({'/'.join(v[-3:])})" for k, v in words.items())
        return what, f"expected one of {shown}"
    return {
        "date": ("a date", P.DATE_EXPECTED),
        "month": ("a month", P.MONTH_EXPECTED),
        "amount": ("an amount", P.AMOUNT_EXPECTED),
        "number": ("a number", "expected a number such as 85 or 4.5"),
        "time": ("a time of day", "expected HH:MM, such as 09:30 or 14:00"),
        "bool": ("yes or no", "expected yes/no, true/false, 1/0, Y/N or 是/否"),
    }[kind]


@dataclass(frozen=True)
class _Factor:
    """One column as each row's code into its distinct cleaned texts."""

    codes: np.ndarray  # per row, an index into values
    values: pd.Series  # distinct texts, cleaned (may repeat after cleaning: " 1" and "1")
    raw: pd.Series  # the same texts as read
    numbers: np.ndarray | None = None  # a numeric column's values (CodedColumn.numbers)

    def take(self, rows: np.ndarray) -> _Factor:
        """Return the factor of the given rows (a boolean mask or positions)."""
        return _Factor(self.codes[rows], self.values, self.raw, self.numbers)

    def rows(self, per_value: np.ndarray) -> np.ndarray:
        """Spread a per-value array to the rows."""
        return per_value[self.codes]

    def used(self) -> np.ndarray:
        """Return a mask of the values some row holds."""
        return np.bincount(self.codes, minlength=len(self.values)) > 0


def _factor(col: CodedColumn) -> _Factor:
    """Clean one column's distinct texts."""
    return _Factor(col.codes, P.clean_text(col.texts), col.texts, col.numbers)


def _raw_blank(f: _Factor) -> np.ndarray:
    """Return, per row, whether the cell as read is empty or only spaces."""
    return f.rows(f.raw.astype(str).str.strip().eq("").to_numpy())


def _parse_cells(kind: str, f: _Factor, options: ReadOptions) -> tuple[pd.Series, np.ndarray]:
    """Parse one column by kind, each distinct value once.

    A numeric column read as numbers (Parquet, a data frame, SQL) keeps them as they
    are for amounts and numbers: their texts would parse back to the same values.
    """
    if kind in ("amount", "number") and f.numbers is not None and options.decimal != ",":
        return pd.Series(f.numbers[f.codes]), np.zeros(len(f.codes), dtype=bool)
    values, bad = _parse_unique(kind, f.values, options)
    return values.take(f.codes).reset_index(drop=True), f.rows(bad)


def _statuses(options: ReadOptions) -> dict[str, list[str]]:
    vocab = {k: list(v) for k, v in P.VISIT_STATUSES.items()}
    for word, canon in options.status_words.items():
        vocab[canon].append(word)
    return vocab


def _parse_unique(kind: str, s: pd.Series, options: ReadOptions) -> tuple[pd.Series, np.ndarray]:
    """Parse distinct cleaned strings by kind."""
    if kind == "date":
        return P.parse_dates(s, options.date_format or None)
    if kind == "month":
        return P.parse_months(s)
    if kind == "amount":
        return P.parse_amounts(s, options.decimal)
    if kind == "number":
        return P.parse_numbers(s)
    if kind == "bool":
        return P.parse_bools(s)
    if kind == "visit_status":
        return P.parse_categories(s, _statuses(options))
    if kind == "plan_status":
        return P.parse_categories(s, P.PLAN_STATUSES)
    if kind == "appointment_status":
        return P.parse_categories(s, P.APPOINTMENT_STATUSES)
    if kind == "time":
        return P.parse_times(s)
    if kind == "purpose":
        return P.parse_categories(s, P.PURPOSES)
    if kind == "sex":
        return P.parse_categories(s, P.SEXES, keep_unknown=True)
    out = s.reset_index(drop=True).astype("string")
    return out.mask(out.eq("")), np.zeros(len(s), dtype=bool)


def parse_table(
    raw: RawTable,
    table: str,
    *,
    mapping: dict[str, str] | None = None,
    options: ReadOptions | None = None,
) -> TableResult:
    """Map headers, parse every cell and collect every bad cell of one table.

    Returns
    -------
    TableResult
        ``frame`` holds only valid rows (with ``source_line``); ``rejected`` one row per
        rejected input row with its first problem.
    """
    options = options or ReadOptions()
    columns, ignored, notes = resolve_headers(raw.header, table, file=raw.name, mapping=mapping)
    factors = {c: _factor(raw.columns[pos]) for c, pos in columns.items()}
    blanks = {c: f.rows(f.values.eq("").to_numpy()) for c, f in factors.items()}
    blank_row = np.logical_and.reduce(list(blanks.values()))
    if raw.fmt in ("text", "xlsx") and blank_row.any():
        by_pos = {pos: factors[c] for c, pos in columns.items()}
        for pos, col in enumerate(raw.columns):
            blank_row &= _raw_blank(by_pos.get(pos) or _factor(col))
    n_blank = int(blank_row.sum())
    keep = ~blank_row
    lines = raw.lines[keep]
    if not keep.any():
        raise InputError(
            f"the {table} file has a header but no rows; export it again with its data",
            file=raw.name,
        )
    if n_blank:
        factors = {c: f.take(keep) for c, f in factors.items()}
        blanks = {c: b[keep] for c, b in blanks.items()}
    parsed: dict[str, pd.Series] = {}
    problems: list[tuple[np.ndarray, str, str]] = []  # (mask, canonical column, reason)
    for canon, kind_spec in _KINDS[table].items():
        if canon not in factors:
            continue
        kind = kind_spec.rstrip("!")
        required = kind_spec.endswith("!") or kind == "id"
        f = factors[canon]
        column_options = options
        if kind == "amount" and options.decimal == "auto" and f.numbers is None:
            decimal = P.detect_decimal(f.values[f.used()])
            column_options = dataclasses.replace(options, decimal=decimal)
            if decimal == ",":
                notes.append(
                    f"{raw.name}: amounts in column {raw.header[columns[canon]]} are written "
                    "with a decimal comma (1.200,50 = 1200.50); give --decimal . if they are not"
                )
        values, bad = _parse_cells(kind, f, column_options)
        if required:
            problems.append((blanks[canon], canon, _BLANK_REASON[kind]))
        if bad.any() and kind == "date" and not options.date_format:
            ambiguous = f.rows(P.ambiguous_dates(f.values))
            problems.append((bad & ambiguous, canon, f"{{value}} {P.DATE_AMBIGUOUS}"))
        if bad.any() and kind == "amount" and column_options.decimal != ",":
            comma = f.rows(P.decimal_comma_shaped(f.values))
            problems.append((bad & comma, canon, f"{{value}} {P.AMOUNT_DECIMAL_COMMA}"))
        if bad.any():
            what, expected = _expected(kind)
            problems.append((bad, canon, f"cannot read {{value}} as {what} ({expected})"))
        parsed[canon] = values
    frame = pd.DataFrame(parsed)
    frame["source_line"] = lines.astype("int64")
    bad_any = np.zeros(len(frame), dtype=bool)
    rej_parts = []
    for mask, canon, reason in problems:
        new = mask & ~bad_any
        if not new.any():
            continue
        bad_any |= new
        header = str(raw.header[columns[canon]]).strip()
        vals = factors[canon].values.to_numpy()[factors[canon].codes[new]]
        rej_parts.append(
            pd.DataFrame(
                {
                    "file": raw.name,
                    "line": lines[new],
                    "column": header,
                    "value": raw.columns[columns[canon]].cells(np.flatnonzero(keep)[new]),
                    "reason": [reason.replace("{value}", f"'{v}'") for v in vals],
                    "problem": reason.replace("{value}", "the value"),
                }
            )
        )
    rejected = (
        pd.concat(rej_parts, ignore_index=True).sort_values("line", kind="stable")
        if rej_parts
        else pd.DataFrame(columns=REJECTED_COLUMNS)
    )
    info: dict[str, Any] = {
        "file": raw.name,
        "format": raw.fmt,
        "encoding": raw.encoding,
        "rows_read": int(keep.sum()),
        "rows_kept": int((~bad_any).sum()),
        "rows_rejected": int(bad_any.sum()),
        "columns": {c: str(raw.header[p]).strip() for c, p in columns.items()},
        "ignored_columns": ignored,
    }
    if n_blank:
        notes.append(f"{raw.name}: skipped {n_blank} blank line(s)")
    if ignored:
        notes.append(
            f"{raw.name}: column(s) not used: {', '.join(ignored)} "
            "(not a recognised column; map one with --map if it should be)"
        )
    return TableResult(frame[~bad_any].reset_index(drop=True), rejected, info, notes)


def raise_first(result: TableResult, raw: RawTable) -> None:
    """Raise an :class:`InputError` for the first rejected row, counting the others."""
    if not len(result.rejected):
        return
    first = result.rejected.iloc[0]
    others = len(result.rejected) - 1
    msg = str(first["reason"])
    if others:
        msg += (
            f". {others} other row(s) also have problems; fix them, or use --drop-invalid "
            "to skip them and list them in data_quality.csv"
        )
    raise InputError(
        msg,
        file=raw.name,
        line=int(first["line"]),
        column=str(first["column"]),
        value=first["value"],
    )


def reject_duplicate_ids(result: TableResult, name: str) -> TableResult:
    """Move repeated patient IDs of a patients table (after the first) to the rejected rows."""
    frame = result.frame
    dup = frame["patient_id"].duplicated(keep="first").to_numpy()
    if not dup.any():
        return result
    first_line = frame.drop_duplicates("patient_id").set_index("patient_id")["source_line"]
    d = frame[dup]
    extra = pd.DataFrame(
        {
            "file": name,
            "line": d["source_line"].to_numpy(),
            "column": result.info["columns"]["patient_id"],
            "value": d["patient_id"].astype(str).to_numpy(),
            "reason": [
                f"duplicate patient ID '{p}' (first listed on line {first_line[p]})"
                for p in d["patient_id"]
            ],
            "problem": "duplicate patient ID",
        }
    )
    rejected = pd.concat([result.rejected, extra], ignore_index=True).sort_values(
        "line", kind="stable"
    )
    info = dict(result.info)
    info["rows_kept"] -= int(dup.sum())
    info["rows_rejected"] += int(dup.sum())
    return TableResult(frame[~dup].reset_index(drop=True), rejected, info, result.notes)


def visit_statuses(raw: pd.Series, options: ReadOptions) -> tuple[pd.Series, np.ndarray]:
    """Return the canonical visit status of each raw status text, and which are unreadable.

    The loader's rule for a ``status`` cell (the clinic's own words from
    ``[load.status_words]`` included), for engines that hold the visits elsewhere and ask
    about their distinct status texts only.
    """
    return _parse_unique("visit_status", P.clean_text(raw.astype("string")), options)
