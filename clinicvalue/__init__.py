"""clinicvalue: patient value, lifetime value, retention and monthly reports for clinics."""

from clinicvalue.data import ClinicData, DataQuality
from clinicvalue.errors import (
    ClinicValueError,
    ConvergenceError,
    InputError,
    NotFittedError,
    OptionError,
    ProfileError,
    ReportError,
)
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
from clinicvalue.profile import ClinicProfile, load_profile
from clinicvalue.report import previous_month, run_batch, run_report
from clinicvalue.summary import calibration_holdout, summarize

__version__ = "0.1.0"

__all__ = [
    "ClinicData",
    "ClinicProfile",
    "ClinicValueError",
    "ConvergenceError",
    "DataQuality",
    "InputError",
    "NotFittedError",
    "OptionError",
    "ProfileError",
    "ReportError",
    "calibration_holdout",
    "describe_quality",
    "load_clinic",
    "load_patients",
    "load_plans",
    "load_profile",
    "load_spend",
    "load_visits",
    "parse_mapping",
    "previous_month",
    "run_batch",
    "run_report",
    "summarize",
    "write_rejected",
]
