"""One row per patient: the summary plus every analysis' per-patient columns.

This is what ``clinicvalue score`` writes: the analysis run's per-patient parts (summary,
segments, lifetime value, churn flags) joined into one table, and the model facts that go
to ``<out>.model.json``. It reads no files and draws nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from clinicvalue.analyses.clv.model import SCORE_COLUMNS
from clinicvalue.analyses.run import Analyses, ClvFit, Missing, analyse
from clinicvalue.data import ClinicData
from clinicvalue.errors import ConvergenceError, InputError
from clinicvalue.privacy import pseudonym_secret, pseudonymize
from clinicvalue.profile import ClinicProfile
from clinicvalue.summarize.external import ExternalVisits

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
    source: ExternalVisits | None = None,
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
        Fit the visit model (the profile's, or chosen on a held-out year) and
        Gamma-Gamma, and add lifetime-value columns.
    step
        Called with each step's name around its work (e.g. ``clinicvalue.progress.step``
        to show progress); nothing is shown by default.
    source
        The visits held by another engine (:class:`~clinicvalue.summarize.spark_sql.SparkVisits`
        for ``--engine spark``): every per-patient query runs there and ``data`` gives the
        other tables. The table is the one the default engine writes for the same visits.

    Returns
    -------
    ScoreResult
        ``table`` with one row per patient (``patient_id`` first) and ``model`` with the
        as-of date, time unit, counts and each model's parameters. The numbers are the
        analysis run's (:func:`~clinicvalue.analyses.run.analyse`), the same the monthly
        report shows for the same day.
    """
    profile = profile or ClinicProfile()
    run = analyse(data, as_of, profile, source=source)
    step = step or (lambda _name: nullcontext())
    with step("patient features"):
        if run.features.empty:  # the summary is then taken from them
            raise InputError(
                f"no visits on or before {run.as_of:%Y-%m-%d}; check the date and the visits"
            )
    with step("summary"):
        summary = run.summary
    table = summary.copy()
    table.insert(0, "patient_key", pseudonymize(table.index.to_series(), pseudonym_secret(profile)))
    model: dict[str, Any] = {
        "as_of": f"{run.as_of:%Y-%m-%d}",
        "time_unit": profile.clv.time_unit,
        "patients": int(len(summary)),
        "repeat_patients": int((summary["frequency"] > 0).sum()),
        "visits": int(summary["visits"].sum()),
        "revenue": float(summary["total_spend"].sum()),
        "currency": profile.clinic.currency,
    }
    with step("segments"):
        parts = [run.segments]
    if with_clv:
        with step("lifetime value (visit model + Gamma-Gamma)"):
            fit = run.clv
            if isinstance(fit, Missing):
                raise ConvergenceError(fit.reason)
            parts.append(fit.scores[list(SCORE_COLUMNS)])
            model.update(_clv_block(run, fit))
    with step("churn flags"):
        parts.append(run.churn_flags if with_clv else run.churn_flags_without_clv)
    with step("economics"):
        model["economics"] = _economics_block(run, with_clv=with_clv)
    for part in parts:
        table = table.join(part, how="left")
    table = table.reset_index()
    ordered = [c for c in BASE_COLUMNS if c in table.columns]
    rest = [c for c in table.columns if c not in ordered and c != "first_spend"]
    return ScoreResult(table=table[ordered + rest], model=model)


def _clv_block(run: Analyses, fit: ClvFit) -> dict[str, Any]:
    """Return the model facts of ``<out>.model.json``: parameters, intervals, validation."""
    metrics = fit.model.to_metrics()
    block: dict[str, Any] = {
        "bgnbd": metrics["bgnbd"],
        "gamma_gamma": metrics["gamma_gamma"],
        "intervals": metrics["intervals"],
        "fit_step": metrics["fit_step"],
        "visit_model": metrics["visit_model"],
        "validation": {},
        "warnings": [],
    }
    if fit.model.gg_params_ is None:
        block["warnings"].append(
            "gamma_gamma_fallback: too few repeat patients for the spend model; "
            "expected spend uses observed mean spend"
        )
    validation = run.clv_validation
    if isinstance(validation, Missing):  # validation is advisory
        block["warnings"].append(f"validation_skipped: {validation.reason}")
    else:
        block["validation"] = validation.to_metrics()
        block["warnings"].extend(validation.warnings)
    return block


def _economics_block(run: Analyses, *, with_clv: bool) -> dict[str, Any]:
    """Return the ``economics`` block: the run's economics and what retention is worth."""
    if not run.data.has_spend:
        return {"available": False, "note": "no marketing spend given"}
    block = run.economics.to_metrics() if with_clv else run.economics_without_clv.to_metrics()
    if with_clv:
        uplift = run.uplift
        block["retention_uplift"] = (
            {"available": False, "note": uplift.reason}
            if isinstance(uplift, Missing)
            else uplift.to_metrics()
        )
    return block
