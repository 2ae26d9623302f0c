"""Names that become folders: clinic ids and report months.

A clinic id and a month end up as ``reports/<clinic>/<YYYY-MM>/``, so each is checked
strictly where it enters (profile, ``clinics.toml``, command line) and refused with a
message instead of being rewritten into something else: a report can only ever land in
the folder the user asked for.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import pandas as pd

from clinicvalue.errors import InputError

__all__ = [
    "MAX_ID_LENGTH",
    "check_clinic_id",
    "clinic_id_key",
    "month_bounds",
    "parse_month",
    "previous_month",
]

MAX_ID_LENGTH = 64

#: Names Windows reserves for devices, in any case and with any extension.
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10))} | {
    f"LPT{i}" for i in range(10)
}
_ID_HELP = (
    "use letters (any script, e.g. 台北店), digits, '-' and '_' only, at most "
    f'{MAX_ID_LENGTH} characters, e.g. id = "north-branch"'
)


def check_clinic_id(value: object, *, where: str = "clinic.id") -> str:
    """Return ``value`` if it is a safe folder name for a clinic; refuse it otherwise.

    Letters of any script (CJK included), digits, ``-`` and ``_`` are allowed; dots,
    path separators, spaces, control characters, Windows device names (``CON``,
    ``NUL`` …) and text that Unicode normalisation would change (full-width letters)
    are not.

    Raises
    ------
    InputError
        Naming ``where`` (the key the id came from) and what is allowed.
    """
    if not isinstance(value, str):
        raise InputError(f"{where} must be text; got {value!r}. {_ID_HELP}")
    if not value:
        raise InputError(f"{where} is empty; {_ID_HELP}")
    if len(value) > MAX_ID_LENGTH:
        raise InputError(f"{where} is {len(value)} characters long; {_ID_HELP}")
    bad = sorted({c for c in value if not (c.isalnum() or c in "-_")})
    if bad:
        shown = ", ".join(repr(c) for c in bad[:5])
        raise InputError(f"{where} = {value!r} contains {shown}; {_ID_HELP}")
    normal = unicodedata.normalize("NFKC", value)
    if normal != value:
        raise InputError(f"{where} = {value!r} is not in plain form; write it as {normal!r}")
    if value.upper() in _RESERVED:
        raise InputError(f"{where} = {value!r} is a reserved device name on Windows; {_ID_HELP}")
    return value


def clinic_id_key(value: str) -> str:
    """Return the form under which two ids would share a folder (``North`` ≡ ``north``)."""
    return unicodedata.normalize("NFKC", value).casefold()


_MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
_MONTH_HELP = "write the month as YYYY-MM (e.g. 2026-10), or 'previous' for last month"


def previous_month(today: date | None = None) -> str:
    """Return the month before ``today`` (default: today) as ``YYYY-MM``."""
    day = pd.Timestamp(today or date.today())
    return (day.replace(day=1) - pd.Timedelta(days=1)).strftime("%Y-%m")


def parse_month(text: object, *, allow_previous: bool = True, today: date | None = None) -> str:
    """Return a report month as ``YYYY-MM``; ``previous`` is the month before ``today``.

    Raises
    ------
    InputError
        For anything else: ``2026-13``, ``0000-01``, ``2026-1``, full-width or padded
        digits.
    """
    if allow_previous and text == "previous":
        return previous_month(today)
    found = _MONTH.fullmatch(text) if isinstance(text, str) else None
    if not found or not 1900 <= int(found.group(1)) <= 2999 or not 1 <= int(found.group(2)) <= 12:
        raise InputError(f"month {text!r} is not a report month; {_MONTH_HELP}")
    return str(text)


def month_bounds(month: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Return the first and last day of ``month`` (``"YYYY-MM"``).

    Raises
    ------
    InputError
        When ``month`` is not of the form ``YYYY-MM`` (see :func:`parse_month`).
    """
    start = pd.Timestamp(f"{parse_month(month, allow_previous=False)}-01")
    return start, start + pd.offsets.MonthEnd(0)
