"""clinicvalue: patient value, lifetime value, retention and monthly reports for clinics.

The data flow, one folder per step: ``load`` (exports → canonical tables) →
``summarize`` (per-patient summary and features, DuckDB) → ``analyses`` (``segments``,
``clv``, ``retention``, ``care``, ``economics``; :func:`analyse` runs them all once) →
``plots`` → ``report``. Everything users call is importable from here.
"""

from typing import Any

from clinicvalue._version import __version__ as __version__

# bound here, not on first use: the name is also the subpackage's, which an import of
# clinicvalue.summarize.* would otherwise leave in its place
from clinicvalue.summarize.summary import summarize as summarize

__all__ = [
    "Analyses",
    "Missing",
    "analyse",
    "ChurnWarnings",
    "ClinicData",
    "ClinicProfile",
    "ClinicValueError",
    "ClvModel",
    "ClvValidation",
    "Concentration",
    "ConvergenceError",
    "DataQuality",
    "Drivers",
    "Economics",
    "InputError",
    "NotFittedError",
    "OptionError",
    "ProfileError",
    "ReferralResult",
    "ReportError",
    "Scenario",
    "ScoreResult",
    "SegmentationSummary",
    "SqlSource",
    "SyntheticClinic",
    "TransitionResult",
    "action_lists",
    "calibration_holdout",
    "worklist",
    "churn_flags",
    "churn_warnings",
    "clv_intervals",
    "cohort_counts",
    "cohort_matrix",
    "cohort_sql",
    "concentration",
    "days_to_return",
    "describe_quality",
    "economics",
    "load_clinic",
    "load_patients",
    "load_plans",
    "load_profile",
    "load_spend",
    "load_visits",
    "parameter_intervals",
    "parse_mapping",
    "patient_features",
    "patient_flow",
    "previous_month",
    "quintile_score",
    "referral_analysis",
    "retention_uplift",
    "return_drivers",
    "revenue_new_vs_returning",
    "revisit_rates",
    "rfm_table",
    "run_batch",
    "run_report",
    "score_patients",
    "segment_action",
    "segment_label",
    "segment_transitions",
    "segmentation_summary",
    "summarize",
    "synthesize",
    "time_to_return",
    "treatment_category",
    "validate_clv",
    "wheat_morrison",
    "write_rejected",
    "write_synthetic",
]


def __getattr__(name: str) -> Any:
    """Import the public API on first use (PEP 562), so the command line starts fast."""
    if name not in __all__:
        raise AttributeError(f"module 'clinicvalue' has no attribute {name!r}")
    from clinicvalue import _api

    value = getattr(_api, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
