"""Every name :mod:`clinicvalue` offers, imported together on the first use of any of them.

The package itself stays light, so ``clinicvalue score`` and the loader do not pay for
the report stack (matplotlib, WeasyPrint, statsmodels) they never use.
"""

# ruff: noqa: F401 - every import is re-exported through clinicvalue.__all__

from clinicvalue import __all__ as __all__  # the one list of public names
from clinicvalue.analyses.care.lists import action_lists, worklist
from clinicvalue.analyses.clv.model import ClvModel
from clinicvalue.analyses.clv.regularity import wheat_morrison
from clinicvalue.analyses.clv.uncertainty import clv_intervals, parameter_intervals
from clinicvalue.analyses.clv.validation import ClvValidation
from clinicvalue.analyses.clv.validation import validate as validate_clv
from clinicvalue.analyses.economics.channels import Economics, economics, revenue_new_vs_returning
from clinicvalue.analyses.economics.drivers import Drivers, return_drivers
from clinicvalue.analyses.economics.referrals import ReferralResult, referral_analysis
from clinicvalue.analyses.economics.scenario import Scenario
from clinicvalue.analyses.economics.uplift import retention_uplift
from clinicvalue.analyses.retention.churn import ChurnWarnings, churn_flags, churn_warnings
from clinicvalue.analyses.retention.cohorts import cohort_counts, cohort_matrix, cohort_sql
from clinicvalue.analyses.retention.flow import patient_flow
from clinicvalue.analyses.retention.revisit import days_to_return, revisit_rates
from clinicvalue.analyses.retention.survival import time_to_return
from clinicvalue.analyses.run import Analyses, Missing, analyse
from clinicvalue.analyses.scoring import ScoreResult, score_patients
from clinicvalue.analyses.segments.concentration import Concentration, concentration
from clinicvalue.analyses.segments.labels import segment_action, segment_label
from clinicvalue.analyses.segments.movement import TransitionResult, segment_transitions
from clinicvalue.analyses.segments.rfm import quintile_score, rfm_table
from clinicvalue.analyses.segments.summary import SegmentationSummary, segmentation_summary
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
from clinicvalue.load.sources import SqlSource
from clinicvalue.profile import ClinicProfile, load_profile
from clinicvalue.report import previous_month, run_batch, run_report
from clinicvalue.summarize.features import patient_features
from clinicvalue.summarize.summary import calibration_holdout, summarize
from clinicvalue.summarize.treatments import treatment_category
from clinicvalue.synth import SyntheticClinic, synthesize, write_synthetic
