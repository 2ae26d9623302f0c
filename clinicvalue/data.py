"""The kit's canonical tables: what loading produces and every analysis consumes.

Loading maps a clinic's export onto these columns (``clinicvalue.load``); analyses rely
on nothing else. ``patient_id`` is always a string: ``"00004"`` and ``"4"`` are two
patients. Dates are ``datetime64`` at midnight (calendar days), money is ``float64``.

Tables
------
lines
    One row per valid input line (line item): ``patient_id, visit_date, amount,
    source_line`` plus any of :data:`VISIT_OPTIONAL`. No-shows and cancellations are
    kept here with their ``status`` but are not visits.
visits
    One row per attended visit, i.e. per distinct (patient, calendar day), sorted by
    patient then date: ``patient_id, visit_date, amount`` (net of refunds),
    ``self_pay`` (amount less ``insurer_amount``), ``n_items``, ``refund`` (sum of
    negative line amounts, ≤ 0), and where the export has them: ``treatment`` (the
    day's distinct treatments joined by ``"; "``), ``doctor``, ``department``,
    ``branch``, ``status``, ``satisfaction`` (the day's lowest score), ``complaint``
    (the day's complaint text, NA when none).
patients
    One row per patient: ``patient_id`` plus any of :data:`PATIENT_OPTIONAL`;
    ``contact_ok`` is boolean.
spend
    Marketing spend: ``month`` (first day of the month), ``channel``, ``amount``,
    ``purpose`` (``acquisition`` or ``retention``).
plans
    Treatment plans: ``patient_id, item, is_chief_complaint, status`` (planned /
    started / done) and optional ``planned_date, done_date``.
appointments
    The appointment book: ``patient_id, date, status`` (booked / confirmed / cancelled /
    no-show / completed; ``booked`` when the export has no status) and optional
    ``time`` (``HH:MM`` text), ``treatment``, ``doctor``.
calls
    The call records read back from earlier worklists (:data:`CALL_COLUMNS`): one row
    per listed or held-back patient per run, with the outcome staff recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from clinicvalue.idsets import ids_in

__all__ = [
    "VISIT_REQUIRED",
    "VISIT_OPTIONAL",
    "PATIENT_REQUIRED",
    "PATIENT_OPTIONAL",
    "SPEND_REQUIRED",
    "SPEND_OPTIONAL",
    "PLAN_REQUIRED",
    "PLAN_OPTIONAL",
    "APPOINTMENT_REQUIRED",
    "APPOINTMENT_OPTIONAL",
    "CALL_COLUMNS",
    "CALL_OUTCOMES",
    "DataQuality",
    "ClinicData",
]

VISIT_REQUIRED = ("patient_id", "visit_date", "amount")
VISIT_OPTIONAL = (
    "visit_id",
    "treatment",
    "doctor",
    "department",
    "branch",
    "status",
    "satisfaction",
    "complaint",
    "insurer_amount",
)
PATIENT_REQUIRED = ("patient_id",)
PATIENT_OPTIONAL = (
    "first_visit",
    "birth_date",
    "sex",
    "channel",
    "referred_by",
    "condition",
    "contact_ok",
    "name",
    "phone",
)
SPEND_REQUIRED = ("month", "channel", "amount")
SPEND_OPTIONAL = ("purpose",)
PLAN_REQUIRED = ("patient_id", "item", "status")
PLAN_OPTIONAL = ("is_chief_complaint", "planned_date", "done_date")
APPOINTMENT_REQUIRED = ("patient_id", "date")
APPOINTMENT_OPTIONAL = ("time", "status", "treatment", "doctor")
#: A call's outcome, in the order the worklist's drop-down offers them.
CALL_OUTCOMES = ("reached", "booked", "call_back", "declined", "wrong_number", "do_not_contact")
CALL_COLUMNS = (
    "run_date", "patient_key", "list", "arm", "priority", "outcome", "outcome_date", "file",
)  # fmt: skip


@dataclass
class DataQuality:
    """What loading saw: counts per file, refunds, merges and every rejected row.

    Attributes
    ----------
    files
        Per input kind (``visits``, ``patients`` …): file name, encoding, rows read,
        rows kept, rows rejected, and the header → column mapping used.
    rejected
        One row per rejected input row: ``file, line, column, value, reason`` (the
        reason quotes the raw value) and ``problem`` (the same reason without it).
    notes
        Plain-language observations (refunds netted, line items merged, …).
    """

    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    rejected: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["file", "line", "column", "value", "reason"])
    )
    notes: list[str] = field(default_factory=list)

    @property
    def n_rejected(self) -> int:
        """Number of rejected input rows."""
        return int(len(self.rejected))

    def to_metrics(self) -> dict[str, Any]:
        """Return counts and notes as plain JSON-ready values.

        Rejected rows are counted by file, column and problem; no rejected value (a name,
        a phone number, an ID) is quoted, since metrics travel with the report. The values
        themselves are only in ``data_quality.csv``.
        """
        by_problem: list[dict[str, Any]] = []
        if self.n_rejected:
            rej = self.rejected
            problem = rej["problem"] if "problem" in rej else pd.Series("rejected", index=rej.index)
            counts = (
                pd.DataFrame({"file": rej["file"], "column": rej["column"], "problem": problem})
                .astype(str)
                .value_counts(sort=True)
            )
            by_problem = [
                {"file": f, "column": c, "problem": p, "rows": int(n)}
                for (f, c, p), n in counts.items()
            ]
        return {
            "files": self.files,
            "rows_rejected": self.n_rejected,
            "rejected_by_problem": by_problem,
            "notes": list(self.notes),
        }


@dataclass
class ClinicData:
    """Everything loaded for one clinic: the canonical tables and their data quality."""

    visits: pd.DataFrame
    lines: pd.DataFrame
    patients: pd.DataFrame | None = None
    spend: pd.DataFrame | None = None
    plans: pd.DataFrame | None = None
    appointments: pd.DataFrame | None = None
    calls: pd.DataFrame | None = None
    quality: DataQuality = field(default_factory=DataQuality)
    # How the loader turned lines into visits (its status words bound): a view as of an
    # earlier day redoes it for patients whose later refunds it had netted into a visit.
    visit_rule: Callable[[pd.DataFrame], pd.DataFrame] | None = field(default=None, repr=False)

    @classmethod
    def without_visits(
        cls,
        patients: pd.DataFrame | None = None,
        spend: pd.DataFrame | None = None,
        plans: pd.DataFrame | None = None,
        appointments: pd.DataFrame | None = None,
    ) -> ClinicData:
        """Return the clinic's other tables around an empty visit log.

        For visits held by another engine (``analyse(..., source=...)``): the per-patient
        parts read the visits there and these tables here.
        """
        empty = pd.DataFrame(
            {
                "patient_id": pd.Series(dtype="string"),
                "visit_date": pd.Series(dtype="datetime64[ns]"),
                "amount": pd.Series(dtype="float64"),
            }
        )
        return cls(
            visits=empty, lines=empty.copy(), patients=patients, spend=spend, plans=plans,
            appointments=appointments,
        )  # fmt: skip

    @property
    def has_patients(self) -> bool:
        """Whether a patients table was given."""
        return self.patients is not None and len(self.patients) > 0

    @property
    def has_spend(self) -> bool:
        """Whether marketing spend was given."""
        return self.spend is not None and len(self.spend) > 0

    @property
    def has_plans(self) -> bool:
        """Whether treatment plans were given."""
        return self.plans is not None and len(self.plans) > 0

    @property
    def has_appointments(self) -> bool:
        """Whether the appointment book was given (an empty book still counts)."""
        return self.appointments is not None

    def until(self, as_of: pd.Timestamp | str) -> ClinicData:
        """Return the data as known at the end of ``as_of`` (nothing later is kept).

        The appointment book is kept whole: bookings after ``as_of`` are what the front
        desk already knows is coming.
        """
        end = pd.Timestamp(as_of).normalize()
        visits = self.visits[self.visits["visit_date"] <= end]
        lines = self.lines[self.lines["visit_date"] <= end]
        if self.visit_rule is not None and len(lines) < len(self.lines):
            visits = self._without_later_refunds(visits, lines, end)
        spend = self.spend
        if spend is not None:
            spend = spend[spend["month"] <= end]
        return ClinicData(
            visits=visits,
            lines=lines,
            patients=self.patients,
            spend=spend,
            plans=self.plans,
            appointments=self.appointments,
            calls=None if self.calls is None else self.calls[self.calls["run_date"] <= end],
            quality=self.quality,
            visit_rule=self.visit_rule,
        )

    def _without_later_refunds(
        self, visits: pd.DataFrame, lines: pd.DataFrame, end: pd.Timestamp
    ) -> pd.DataFrame:
        """Return ``visits`` (those up to ``end``) without refunds recorded after ``end``.

        A day of refunds only nets into the patient's previous visit, so a refund after
        ``end`` sits in a visit on or before it; known at ``end``, that visit had no such
        refund. Only patients with a negative line after ``end`` can be affected: their
        visits are made again from their lines up to ``end``, by the loader's own rule.
        The visit days stay the same (a refund-only day is never a visit), so the rows
        are replaced in place.
        """
        after = self.lines["visit_date"].to_numpy() > np.datetime64(end)
        refunds = after & (self.lines["amount"].to_numpy(dtype=float) < 0)
        if not refunds.any() or self.visit_rule is None:
            return visits
        ids = self.lines["patient_id"][refunds].dropna().unique()
        ids = ids[ids_in(pd.Series(ids), visits["patient_id"].unique())]  # seen by ``end``
        if len(ids) == 0:
            return visits
        redone = self.visit_rule(lines[ids_in(lines["patient_id"], ids)])
        rows = np.flatnonzero(ids_in(visits["patient_id"], ids))
        if len(redone) != len(rows):  # pragma: no cover - the visit rule keeps visit days
            raise AssertionError("re-made visits do not match the visit days they replace")
        out = visits.copy()
        for col in out.columns:
            if col in redone:
                out.iloc[rows, out.columns.get_loc(col)] = redone[col].to_numpy()
        return out
