"""clinicvalue: patient value, lifetime value, retention and monthly reports for clinics.

The data flow, one module per arrow: ``load`` (exports → canonical tables) →
``summarize`` (per-patient summary, DuckDB) → analyses (``rfm``/``segments``, ``clv``,
``cohorts``/``revisit``/``survival``/``flow``/``churn``/``care``, ``economics``) →
notebooks → ``report``.
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version

from clinicvalue.actions import action_lists, call_list
from clinicvalue.churn import ChurnWarnings, churn_flags, churn_warnings
from clinicvalue.clv import ClvModel
from clinicvalue.clv_uncertainty import clv_intervals, parameter_intervals
from clinicvalue.clv_validation import ClvValidation
from clinicvalue.clv_validation import validate as validate_clv
from clinicvalue.cohorts import cohort_counts, cohort_matrix, cohort_sql
from clinicvalue.concentration import Concentration, concentration
from clinicvalue.data import ClinicData, DataQuality
from clinicvalue.drivers import Drivers, return_drivers
from clinicvalue.economics import Economics, economics, revenue_new_vs_returning
from clinicvalue.errors import (
    ClinicValueError,
    ConvergenceError,
    InputError,
    NotFittedError,
    OptionError,
    ProfileError,
    ReportError,
)
from clinicvalue.flow import patient_flow
from clinicvalue.load import (
    describe_quality,
    load_clinic,
    load_patients,
    load_plans,
    load_spend,
    load_visits,
    parse_mapping,
    write_rejected,
)
from clinicvalue.movement import TransitionResult, segment_transitions
from clinicvalue.patient_features import patient_features
from clinicvalue.profile import ClinicProfile, load_profile
from clinicvalue.referrals import ReferralResult, referral_analysis
from clinicvalue.regularity import wheat_morrison
from clinicvalue.report import previous_month, run_batch, run_report
from clinicvalue.revisit import days_to_return, revisit_rates
from clinicvalue.rfm import quintile_score, rfm_table
from clinicvalue.scenario import Scenario
from clinicvalue.scoring import ScoreResult, score_patients
from clinicvalue.segment_labels import segment_action, segment_label
from clinicvalue.segment_summary import SegmentationSummary, segmentation_summary
from clinicvalue.sources import SqlSource
from clinicvalue.summary import calibration_holdout, summarize
from clinicvalue.survival import time_to_return
from clinicvalue.synth import SyntheticClinic, synthesize, write_synthetic
from clinicvalue.treatments import treatment_category
from clinicvalue.uplift import retention_uplift

try:
    __version__ = _dist_version("clinicvalue")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
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
    "call_list",
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
