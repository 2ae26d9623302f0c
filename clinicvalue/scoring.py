"""One row per patient: the summary plus every analysis' per-patient columns.

This is what ``clinicvalue score`` writes. It composes the analyses in data-flow order
(summary → segments → lifetime value → churn flags) and gathers the model facts that
go to ``<out>.model.json``. It reads no files and draws nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from clinicvalue.data import ClinicData
from clinicvalue.errors import InputError
from clinicvalue.privacy import pseudonym_secret, pseudonymize
from clinicvalue.profile import ClinicProfile
from clinicvalue.summary import summarize

__all__ = ["ScoreResult", "score_patients", "BASE_COLUMNS"]

BASE_COLUMNS = (
    "patient_id",
    "patient_key",
    "first_visit",
    "last_visit",
    "visits",
    "frequency",
    "recency",
    "T",
    "monetary",
    "total_spend",
)


@dataclass(frozen=True)
class ScoreResult:
    """The per-patient table and the model facts behind it."""

    table: pd.DataFrame
    model: dict[str, Any] = field(default_factory=dict)

    def to_metrics(self) -> dict[str, Any]:
        """Return the model facts as JSON-ready values."""
        return self.model


def score_patients(
    data: ClinicData,
    as_of: str | pd.Timestamp,
    profile: ClinicProfile | None = None,
    *,
    with_clv: bool = True,
    step: Callable[[str], AbstractContextManager[Any]] | None = None,
) -> ScoreResult:
    """Score every patient seen on or before ``as_of``.

    Parameters
    ----------
    data
        The loaded clinic.
    as_of
        Observation end; nothing after this day is used.
    profile
        Thresholds (defaults from the source articles when omitted).
    with_clv
        Fit BG/NBD + Gamma-Gamma and add lifetime-value columns.
    step
        Called with each step's name around its work (e.g. ``clinicvalue.progress.step``
        to show progress); nothing is shown by default.

    Returns
    -------
    ScoreResult
        ``table`` with one row per patient (``patient_id`` first) and ``model`` with the
        as-of date, time unit, counts and each model's parameters.
    """
    profile = profile or ClinicProfile()
    as_of = pd.Timestamp(as_of).normalize()
    data = data.until(as_of)
    if data.visits.empty:
        raise InputError(f"no visits on or before {as_of:%Y-%m-%d}; check --as-of and the file")
    unit = profile.clv.time_unit
    step = step or (lambda _name: nullcontext())
    with step("summary"):
        summary = summarize(data.visits, as_of, time_unit=unit)
    table = summary.copy()
    table.insert(0, "patient_key", pseudonymize(table.index.to_series(), pseudonym_secret(profile)))
    model: dict[str, Any] = {
        "as_of": f"{as_of:%Y-%m-%d}",
        "time_unit": unit,
        "patients": int(len(summary)),
        "repeat_patients": int((summary["frequency"] > 0).sum()),
        "visits": int(summary["visits"].sum()),
        "revenue": float(summary["total_spend"].sum()),
        "currency": profile.clinic.currency,
    }
    extra = _analysis_columns(data, summary, as_of, profile, model, with_clv=with_clv, step=step)
    for part in extra:
        table = table.join(part, how="left")
    table = table.reset_index()
    ordered = [c for c in BASE_COLUMNS if c in table.columns]
    rest = [c for c in table.columns if c not in ordered and c != "first_spend"]
    return ScoreResult(table=table[ordered + rest], model=model)


def _analysis_columns(
    data: ClinicData,
    summary: pd.DataFrame,
    as_of: pd.Timestamp,
    profile: ClinicProfile,
    model: dict[str, Any],
    *,
    with_clv: bool,
    step: Callable[[str], AbstractContextManager[Any]],
) -> list[pd.DataFrame]:
    """Run each analysis' ``score_columns`` in data-flow order, filling ``model``."""
    from clinicvalue.churn import score_columns as churn_columns
    from clinicvalue.clv import score_columns as clv_columns
    from clinicvalue.economics import model_block
    from clinicvalue.patient_features import patient_features
    from clinicvalue.segments import score_columns as segment_columns

    with step("patient features"):
        features = patient_features(data.visits, as_of, profile)  # once, for both
    with step("segments"):
        parts = [segment_columns(data, summary, as_of, profile, features=features)]
    clv_frame: pd.DataFrame | None = None
    if with_clv:
        with step("lifetime value (BG/NBD + Gamma-Gamma)"):
            clv_frame, block = clv_columns(data, summary, as_of, profile)
        parts.append(clv_frame)
        model.update(block)
    with step("churn flags"):
        parts.append(churn_columns(data, summary, as_of, profile, clv=clv_frame, features=features))
    with step("economics"):
        econ = model_block(
            data,
            summary,
            as_of,
            profile,
            clv=clv_frame,
            bgnbd_params=model.get("bgnbd"),
            time_unit=profile.clv.time_unit,
        )
    model["economics"] = (
        econ if econ is not None else {"available": False, "note": "no marketing spend given"}
    )
    return parts
