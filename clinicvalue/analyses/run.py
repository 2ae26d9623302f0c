"""One analysis run: every analysis of one clinic as of one day, each computed once.

:func:`analyse` returns an :class:`Analyses`. Its parts are computed the first time they
are read and then kept, so ``clinicvalue score`` pays only for the parts it writes while
the monthly report reads them all; no part is ever computed twice, and every page, file
and command that shows a quantity reads it from here. A part that cannot be computed (no
repeat patient for the model, too short a history for a holdout, no marketing spend) is
a :class:`Missing` with the reason, never an exception the caller has to guess at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from clinicvalue.analyses.advice import Recommendation, recommendations
from clinicvalue.analyses.care.appointments import BookingKpis, booking_kpis
from clinicvalue.analyses.care.effect import CallResults, call_results
from clinicvalue.analyses.care.lists import list_views, worklist
from clinicvalue.analyses.care.worklist import Worklist
from clinicvalue.analyses.clv.model import ClvModel
from clinicvalue.analyses.clv.predictive import predictive_intervals
from clinicvalue.analyses.clv.processes import MODEL_NAMES
from clinicvalue.analyses.clv.selection import condition_groups
from clinicvalue.analyses.clv.uncertainty import (
    ClvIntervals,
    clv_intervals,
    parameter_intervals,
    undetermined,
)
from clinicvalue.analyses.clv.validation import ClvValidation, validate
from clinicvalue.analyses.economics.channels import (
    Comparison,
    Economics,
    acquired_patients,
    acquisition_vs_retention,
    economics,
)
from clinicvalue.analyses.economics.drivers import Drivers, return_drivers
from clinicvalue.analyses.economics.lifetime import new_patient_ltv
from clinicvalue.analyses.economics.scenario import article_clinic_a, article_clinic_b
from clinicvalue.analyses.economics.uplift import Uplift, retention_uplift
from clinicvalue.analyses.kpis import MODEL_KPIS, monthly_series
from clinicvalue.analyses.retention.churn import ChurnWarnings, churn_warnings
from clinicvalue.analyses.retention.churn import score_columns as churn_columns
from clinicvalue.analyses.retention.cohorts import cohort_counts, cohort_matrix
from clinicvalue.analyses.retention.flow import patient_flow
from clinicvalue.analyses.retention.revisit import (
    REVISIT_COHORT_DAYS,
    VisitsByPatient,
    days_to_return,
    revisit_rates,
    visits_by_patient,
)
from clinicvalue.analyses.retention.survival import ReturnCurve, time_to_return
from clinicvalue.analyses.segments.concentration import Concentration, concentration
from clinicvalue.analyses.segments.movement import TransitionResult, segment_transitions
from clinicvalue.analyses.segments.schemes import RFM8_KEYS, rfm8_from_features, score_columns
from clinicvalue.data import ClinicData
from clinicvalue.errors import ClinicValueError, InputError
from clinicvalue.profile import ClinicProfile
from clinicvalue.summarize.definitions import first_visits
from clinicvalue.summarize.external import ExternalVisits
from clinicvalue.summarize.features import patient_features, rfm_features
from clinicvalue.summarize.summary import summarize, summary_from_features

__all__ = ["Missing", "ClvFit", "Analyses", "analyse", "run_metrics"]

T = TypeVar("T")


@dataclass(frozen=True)
class Missing:
    """A part of the run that could not be computed, and why (one line for the report).

    ``reason`` is for logs and notebooks; ``key`` and ``values`` name the report's own
    sentence for it (``missing.<key>`` in the text catalogue), so a Chinese report says
    it in Chinese.
    """

    reason: str
    key: str = ""
    values: tuple[tuple[str, Any], ...] = ()

    def __bool__(self) -> bool:
        return False


@dataclass(frozen=True)
class ClvFit:
    """The fitted lifetime-value model and its per-patient predictions."""

    model: ClvModel
    scores: pd.DataFrame  # per patient: p_alive, expected visits, spend, clv …


def _attempt(build: Any, *args: Any, **kwargs: Any) -> Any:
    """Return ``build(*args, **kwargs)``, or :class:`Missing` when the data cannot support it.

    Only the kit's own "this data cannot support it" errors and a singular matrix become
    :class:`Missing`; a bug still raises.
    """
    try:
        return build(*args, **kwargs)
    except (ClinicValueError, np.linalg.LinAlgError) as exc:
        return Missing(str(exc))


@dataclass(frozen=True)
class Analyses:
    """Every analysis of one clinic as of one day (see :func:`analyse`).

    Attributes are computed on first use and kept. Parts that may be impossible for a
    clinic's data are typed ``X | Missing``.
    """

    data: ClinicData = field(repr=False)  # nothing after ``as_of``; no patient data in a repr
    as_of: pd.Timestamp
    profile: ClinicProfile
    locale: str = "en"  # for the few parts that still carry sentences (lists, reasons)
    with_clv: bool = True  # False: no lifetime-value model (lists rank by spend to date)
    # lifetime-value scores computed earlier (``clinicvalue score``), used instead of a fit
    given_scores: pd.DataFrame | None = field(default=None, repr=False)
    # the visits held by another engine (a Spark table): the per-patient queries run there
    source: ExternalVisits | None = field(default=None, repr=False)

    @property
    def visit_log(self) -> pd.DataFrame | ExternalVisits:
        """The visits the per-patient queries read: :attr:`source` when given, else the data's."""
        return self.data.visits if self.source is None else self.source

    # --- per patient ------------------------------------------------------------------

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Per-patient summary (frequency, recency, T, monetary, totals).

        Taken from :attr:`features` (they hold every total the summary needs, and every
        run that has a summary also needs them, so the visits are read once). Visits
        without a patient ID are no patient's: the features leave them out, so then the
        summary is read from the visits as it always was.
        """
        unit = self.profile.clv.time_unit
        # another engine's visits all have an ID (SparkVisits checks)
        if self.source is not None or self.data.visits["patient_id"].notna().all():
            return summary_from_features(self.features, self.as_of, time_unit=unit)
        return summarize(self.data.visits, self.as_of, time_unit=unit)

    @cached_property
    def features(self) -> pd.DataFrame:
        """Per-patient visit features (one pass) for segments, churn flags and lists."""
        return patient_features(self.visit_log, self.as_of, self.profile)

    @cached_property
    def first_visit(self) -> pd.Series:
        """Each patient's first visit (the register's, when it knows an earlier one)."""
        return first_visits(self.data.visits, self.data.patients)

    # --- segments ----------------------------------------------------------------------

    @cached_property
    def segments(self) -> pd.DataFrame:
        """Every scheme's segment per patient, with the R/F/M measures and scores."""
        return score_columns(
            self.data, self.summary, self.as_of, self.profile, features=self.features
        )

    @cached_property
    def segment_sizes(self) -> pd.DataFrame:
        """Patients and RFM spend (``rfm_spend``) per RFM-8 segment, most valuable first."""
        sc = self.segments
        counts = sc["segment_rfm8"].value_counts()
        keys = [k for k in RFM8_KEYS if k in counts.index]
        keys += [k for k in counts.index if k not in keys]
        revenue = sc.groupby("segment_rfm8")["rfm_spend"].sum()
        return pd.DataFrame(
            {"patients": counts.reindex(keys), "revenue": revenue.reindex(keys).fillna(0.0)}
        ).rename_axis("segment")

    @cached_property
    def clv_by_segment(self) -> pd.DataFrame | Missing:
        """CLV per RFM-8 segment (``estimate, patients, lower, upper``), largest first.

        The intervals come from :attr:`clv_intervals`; when those cannot be computed the
        point estimates are summed and the bounds are NaN.
        """
        fit = self.clv
        if isinstance(fit, Missing):
            return fit
        ci = self.clv_intervals
        if not isinstance(ci, Missing):
            by = ci.by_segment.copy()
        else:
            keys = self.segments["segment_rfm8"].reindex(fit.scores.index)
            groups = keys.astype("string").fillna("unknown")
            by = fit.scores["clv"].groupby(groups).agg(["sum", "size"])
            by = by.set_axis(["estimate", "patients"], axis=1).assign(lower=np.nan, upper=np.nan)
        return by.sort_values("estimate", ascending=False)

    @cached_property
    def movement(self) -> TransitionResult | Missing:
        """RFM-8 segment transitions since the end of the previous month.

        Last month's segments are those of the data as known then (no later visit or
        refund); only their RFM-8 scheme is worked out, from the RFM figures alone, and
        last month's copy of the visits is not kept.
        """
        end = (self.as_of - pd.offsets.MonthEnd(1)).normalize()
        before = self.data.until(end).visits
        if before.empty:
            return Missing(f"no visits on or before {end:%Y-%m-%d}")
        earlier = rfm8_from_features(rfm_features(before, end, self.profile), end, self.profile)
        del before
        return segment_transitions(earlier, self.segments["segment_rfm8"])

    @cached_property
    def concentration(self) -> Concentration | Missing:
        """The 80/20 share and Gini of the patients' RFM spend (``rfm_spend``)."""
        rev = self.segments["rfm_spend"]
        rev = rev[rev > 0]
        if rev.empty:
            return Missing("no patient has spent anything")
        return concentration(rev)

    # --- lifetime value -----------------------------------------------------------------

    @cached_property
    def clv(self) -> ClvFit | Missing:
        """The visit model (chosen by holdout) and Gamma-Gamma, with per-patient predictions.

        Below ``clv.min_patients`` there is no model; below ``clv.min_repeat_patients``
        repeat patients the spend per visit is each patient's own average.
        """
        c = self.profile.clv
        n = len(self.summary)
        if n < c.min_patients:
            return Missing(
                f"only {n} patients; the lifetime-value model needs at least "
                f"{c.min_patients} (clv.min_patients)",
                "small_clv",
                (("n", n), ("need", c.min_patients)),
            )

        def fit() -> ClvFit:
            model = ClvModel(
                time_unit=c.time_unit, penalizer=c.penalizer, min_repeat=c.min_repeat_patients,
                model=c.model, holdout_months=c.model_holdout_months,
            ).fit(
                self.summary, visits=self.visit_log, as_of=self.as_of,
                groups=condition_groups(self.data.patients, self.summary.index),
                log_gaps=self.features["log_gap_days"],
            )  # fmt: skip
            return ClvFit(model, model.predict(self.summary, self.profile))

        return _attempt(fit)

    @cached_property
    def clv_undetermined(self) -> Missing | None:
        """Why the model's parameters are not pinned down by the data (no intervals then)."""
        fit = self.clv
        if isinstance(fit, Missing):
            return fit
        why = undetermined(fit.model, self.profile.clv.max_interval_factor)
        return None if why is None else Missing(why, "clv_undetermined")

    @cached_property
    def clv_scores(self) -> pd.DataFrame | None:
        """Per-patient CLV scores, or ``None`` without a model (lists then rank by spend)."""
        if not self.with_clv:
            return None
        if self.given_scores is not None:
            return self.given_scores
        fit = self.clv
        return None if isinstance(fit, Missing) else fit.scores

    def _intervals(self, build: Any, **options: Any) -> ClvIntervals | Missing:
        fit = self.clv
        if isinstance(fit, Missing):
            return fit
        if not fit.model.plain_bgnbd:
            name = MODEL_NAMES[fit.model.visit_model_]
            return Missing(
                f"intervals are drawn for BG/NBD only; this clinic's lifetime value uses {name}",
                "clv_intervals_model",
                (("model", name),),
            )
        if self.clv_undetermined is not None:
            return self.clv_undetermined
        segments = self.segments["segment_rfm8"]
        return _attempt(build, fit.model, self.summary, self.profile, segments=segments, **options)

    @cached_property
    def clv_intervals(self) -> ClvIntervals | Missing:
        """Total and per-segment CLV with intervals from parameter uncertainty."""
        return self._intervals(clv_intervals, margin=True)

    @cached_property
    def clv_predictive(self) -> ClvIntervals | Missing:
        """Total and per-segment CLV with predictive intervals (simulated futures)."""
        scores = self.clv_scores
        estimate = None if scores is None else scores["clv"]
        return self._intervals(predictive_intervals, estimate=estimate)

    @cached_property
    def parameter_intervals(self) -> pd.DataFrame | Missing:
        """The models' parameters with 95% intervals."""
        fit = self.clv
        return fit if isinstance(fit, Missing) else _attempt(parameter_intervals, fit.model)

    @cached_property
    def clv_validation(self) -> ClvValidation | Missing:
        """Calibration/holdout check of the model and its assumption checks."""
        return _attempt(validate, self.visit_log, self.as_of, self.profile, features=self.features)

    # --- retention ----------------------------------------------------------------------

    @cached_property
    def visits_by_patient(self) -> VisitsByPatient:
        """The visits up to the as-of day sorted by patient, for the returns and the flow."""
        return visits_by_patient(self.data.visits, self.as_of)

    @cached_property
    def returns(self) -> pd.DataFrame:
        """Each patient's first and second visit and the days between them."""
        return days_to_return(self.visits_by_patient, self.as_of, first=self.first_visit)

    @cached_property
    def revisit_rates(self) -> pd.DataFrame:
        """Recent cohorts' revisit rates within 30/90/180/365 days (the KPI's rule)."""
        return revisit_rates(self.returns, cohort_days=REVISIT_COHORT_DAYS)

    @cached_property
    def time_to_return(self) -> ReturnCurve:
        """Kaplan–Meier curve of days from the first to the second visit, all patients."""
        return time_to_return(self.returns)

    @cached_property
    def cohorts(self) -> pd.DataFrame:
        """Monthly acquisition cohorts' retention matrix."""
        return cohort_matrix(cohort_counts(self.data.visits, self.as_of), self.as_of)

    @cached_property
    def flow(self) -> pd.DataFrame:
        """Monthly active, new, reactivated and lost patients."""
        return patient_flow(
            self.visits_by_patient, self.as_of, self.profile, first=self.first_visit
        )

    @cached_property
    def churn_flags(self) -> pd.DataFrame:
        """Per-patient churn flags and the overdue basis (``clinicvalue score``'s columns)."""
        return churn_columns(
            self.data, self.summary, self.as_of, self.profile,
            clv=self.clv_scores, features=self.features,
        )  # fmt: skip

    @cached_property
    def churn_flags_without_clv(self) -> pd.DataFrame:
        """:attr:`churn_flags` when the lifetime-value model is not wanted (``--no-clv``)."""
        return churn_columns(
            self.data, self.summary, self.as_of, self.profile, features=self.features
        )

    @cached_property
    def churn(self) -> ChurnWarnings:
        """The churn warning list, ranked by value at risk (the patients' CLV)."""
        return churn_warnings(
            self.data, self.summary, self.as_of, self.profile,
            clv=self.clv_scores, locale=self.locale, features=self.features,
        )  # fmt: skip

    # --- care ---------------------------------------------------------------------------

    @cached_property
    def worklist(self) -> Worklist:
        """The front desk's worklist for ``as_of``: one row per patient, within capacity."""
        interrupted = self.segments["interrupted"].ne("not_interrupted")
        # the report's churn list, when this run has made it, is the desk's (the daily
        # job makes none and keeps no second copy of it)
        churn = self.__dict__.get("churn")
        return worklist(
            self.data, self.summary, self.as_of, self.profile,
            clv=self.clv_scores, interrupted=interrupted, locale=self.locale,
            features=self.features, calls=self.data.calls, churn=churn,
        )  # fmt: skip

    @cached_property
    def lists(self) -> dict[str, pd.DataFrame]:
        """The worklist as one view per list (``attrs["eligible"]``: how many qualified)."""
        return list_views(self.worklist)

    @cached_property
    def bookings(self) -> BookingKpis:
        """What the appointment book says (every figure ``None`` without a book)."""
        scores = self.clv_scores
        return booking_kpis(
            self.data.appointments, self.data.visits, self.features["next_recall_due"],
            self.summary, self.as_of, self.profile,
            p_alive=None if scores is None else scores["p_alive"],
        )  # fmt: skip

    @cached_property
    def calls(self) -> CallResults:
        """The funnel of this month's calls and each list's effect so far."""
        month_start = self.as_of.to_period("M").start_time
        return call_results(
            self.data.calls, self.data.visits, self.as_of, self.profile, since=month_start
        )

    # --- economics ----------------------------------------------------------------------

    @cached_property
    def new_patient_ltv(self) -> pd.Series | Missing:
        """Lifetime value from the first visit of each patient acquisition spend bought."""
        fit = self.clv
        if isinstance(fit, Missing):
            return fit
        bought = acquired_patients(self.data, self.profile, first=self.first_visit)
        return new_patient_ltv(
            self.data.visits, bought["first_visit"], self.summary, fit.model, self.as_of,
            self.profile,
        )  # fmt: skip

    @cached_property
    def economics(self) -> Economics:
        """CAC, new patients' LTV, LTV:CAC and payback by channel; new vs returning revenue."""
        ltv = self.new_patient_ltv
        return economics(
            self.data, self.profile, as_of=self.as_of,
            new_ltv=None if isinstance(ltv, Missing) else ltv, first=self.first_visit,
        )  # fmt: skip

    @cached_property
    def comparison(self) -> Comparison:
        """New vs returning patients of the last 12 months: patients, revenue and spend."""
        return acquisition_vs_retention(self.data, self.profile, self.as_of, first=self.first_visit)

    @cached_property
    def economics_without_clv(self) -> Economics:
        """:attr:`economics` without the model's CLV per channel (``--no-clv``)."""
        return economics(self.data, self.profile, as_of=self.as_of, first=self.first_visit)

    @cached_property
    def uplift(self) -> Uplift | Missing:
        """What +N points of (modelled) 12-month retention would earn."""
        fit = self.clv
        if isinstance(fit, Missing):
            return fit
        return _attempt(
            retention_uplift,
            fit.model.params_,
            n_patients=len(self.summary),
            spend_per_visit=float(self.summary["total_spend"].sum() / self.summary["visits"].sum()),
            gross_margin=self.profile.clinic.gross_margin,
            points=tuple(self.profile.economics.uplift_points),
            cac=self.economics.overall_cac,
            time_unit=fit.model.time_unit,
        )

    @cached_property
    def drivers(self) -> Drivers | Missing:
        """Odds of returning within N days by channel, first treatment and age band."""
        e = self.profile.economics
        return _attempt(
            return_drivers, self.data.visits, self.data.patients, self.as_of, self.profile,
            min_patients=e.drivers_min_patients, min_events=e.drivers_min_events,
            features=self.features,
        )  # fmt: skip

    # --- the owner's KPIs ---------------------------------------------------------------

    @cached_property
    def month(self) -> str:
        """The calendar month of ``as_of`` (``YYYY-MM``)."""
        return f"{self.as_of:%Y-%m}"

    @cached_property
    def _two_years(self) -> pd.DataFrame:
        """The core KPIs of the 24 months ending with :attr:`month`: the visits read once.

        Each month's row is that month's own KPIs (nothing later counts), so this year's
        and last year's series are its two halves.
        """
        d = self.data
        return monthly_series(
            d.visits, month=self.month, profile=self.profile, patients=d.patients, months=24
        )

    @cached_property
    def series(self) -> pd.DataFrame:
        """The core KPIs of the 12 months ending with :attr:`month`."""
        return self._two_years.iloc[12:]

    @cached_property
    def series_last_year(self) -> pd.DataFrame:
        """The core KPIs of the 12 months a year before :attr:`series` (same calendar months)."""
        return self._two_years.iloc[:12]

    @cached_property
    def last_year(self) -> dict[str, float]:
        """The core KPIs of the same month a year earlier."""
        return dict(self.series_last_year.iloc[-1].to_dict())

    @cached_property
    def kpis(self) -> dict[str, Any]:
        """Return the month's KPIs: the core ones of :attr:`series` plus the model ones."""
        out: dict[str, Any] = dict(self.series.iloc[-1].to_dict())
        out.update(dict.fromkeys(MODEL_KPIS))
        cw = self.churn
        out["at_risk_patients"] = int(len(cw.table))
        if cw.basis == "clv":
            out["clv_at_risk"] = float(cw.value_at_risk_total)
        ci = self.clv_intervals
        if not isinstance(ci, Missing):
            out["total_clv"] = float(ci.total["estimate"])
        elif self.clv_scores is not None:
            out["total_clv"] = float(self.clv_scores["clv"].sum())
        out["ltv_cac"] = self.ltv_cac
        return out

    @cached_property
    def advice(self) -> tuple[Recommendation, ...]:
        """What to do next, most money at stake first (:mod:`clinicvalue.analyses.advice`)."""
        recalls = self.lists.get("recalls_due")
        return recommendations(
            churn=self.churn,
            segments=self.segments,
            features=self.features,
            clv_scores=self.clv_scores,
            economics=self.economics,
            revisit_rate=self.kpis.get("revisit_rate_90d"),
            revisit_rate_last_year=self.last_year.get("revisit_rate_90d"),
            recalls_due=0 if recalls is None else int(recalls.attrs.get("eligible", len(recalls))),
            profile=self.profile,
        )

    @cached_property
    def ltv_cac(self) -> float | None:
        """Acquired patients' lifetime value ÷ the acquisition spend that bought them."""
        res = self.economics
        if not (res.available and len(res.by_channel)):
            return None
        ltv = self.new_patient_ltv
        spend = float(res.by_channel["spend"].sum())
        if isinstance(ltv, Missing) or not len(ltv) or spend <= 0:
            return None
        return float(ltv.sum()) / spend


def _finite_or_none(x: Any) -> float | None:
    return float(x) if isinstance(x, int | float | np.number) and np.isfinite(x) else None


def run_metrics(run: Analyses) -> dict[str, Any]:
    """Return every computed part of ``run`` as JSON-ready values (``metrics.json``).

    Parts the data could not support are left out; the report says why in their place.
    """
    out: dict[str, Any] = {}
    sizes = run.segment_sizes
    out["segments"] = {
        "rfm8": {str(k): int(v) for k, v in sizes["patients"].items()},
        "rfm8_revenue": {str(k): float(v) for k, v in sizes["revenue"].items()},
        "value_tier": {
            str(k): int(v) for k, v in run.segments["tier_value5"].value_counts().items()
        },
    }
    for name in ("concentration", "movement", "clv_validation", "drivers"):
        part = getattr(run, name)
        if not isinstance(part, Missing):
            out[name] = part.to_metrics()
    fit = run.clv
    if not isinstance(fit, Missing):
        ci = run.clv_intervals
        out["clv"] = fit.model.to_metrics()
        if not isinstance(ci, Missing):
            out["clv"]["intervals_clv"] = ci.to_metrics()
        pi = run.clv_predictive
        if not isinstance(pi, Missing):
            out["clv"]["predictive_clv"] = pi.to_metrics()
        if run.clv_undetermined is not None:
            out["clv"]["undetermined"] = run.clv_undetermined.reason
    out["revisit_rates"] = {
        str(int(r.window_days)): {"eligible": int(r.eligible), "rate": _finite_or_none(r.rate)}
        for r in run.revisit_rates.itertuples()
    }
    out["time_to_return"] = run.time_to_return.to_metrics()
    flow = run.flow
    if len(flow):
        last = flow.iloc[-1]
        out["flow"] = {k: _finite_or_none(last[k]) for k in flow.columns}
        out["flow_trend"] = {
            f"{pd.Timestamp(m):%Y-%m}": {k: _finite_or_none(row[k]) for k in flow.columns}
            for m, row in flow.tail(12).iterrows()
        }
    out["churn_warnings"] = run.churn.to_metrics()
    out["economics"] = run.economics.to_metrics()
    uplift = run.uplift
    if not isinstance(uplift, Missing):
        out["retention_uplift"] = uplift.to_metrics()
    out["comparison"] = run.comparison.to_metrics()
    out["scenario"] = {"a": article_clinic_a().to_metrics(), "b": article_clinic_b().to_metrics()}
    out["actions"] = {
        str(k): {"eligible": int(v.attrs.get("eligible", len(v))), "listed": int(len(v))}
        for k, v in run.lists.items()
    }
    out["worklist"] = run.worklist.to_metrics()
    out["bookings"] = run.bookings.to_metrics()
    out["calls"] = run.calls.to_metrics()
    out["advice"] = [r.to_metrics() for r in run.advice]
    out["quality"] = run.data.quality.to_metrics()
    return out


def analyse(
    data: ClinicData,
    as_of: str | pd.Timestamp,
    profile: ClinicProfile | None = None,
    *,
    locale: str | None = None,
    with_clv: bool = True,
    scores: pd.DataFrame | None = None,
    source: ExternalVisits | None = None,
) -> Analyses:
    """Return the analysis run of ``data`` as of ``as_of``.

    Parameters
    ----------
    data
        The loaded clinic; nothing after ``as_of`` is used.
    as_of
        Observation end (for the monthly report, the month's last day).
    profile
        Thresholds (defaults from the source articles when omitted).
    locale
        Language of the sentences the call lists still carry (default: the profile's).
    with_clv
        Fit the lifetime-value model (lists then rank by lifetime value, else by spend).
    scores
        Lifetime-value scores from an earlier run (``p_alive``, ``clv`` indexed by
        ``patient_id``): the call lists rank by them and no model is fitted for them.
    source
        The visits held by another engine (e.g.
        :class:`~clinicvalue.summarize.spark_sql.SparkVisits`): the per-patient features,
        summary, model comparison and holdout check are queried there, and ``data``
        supplies the other tables (its visits are not read by those parts).

    Raises
    ------
    InputError
        When no visit falls on or before ``as_of``.
    """
    prof = profile or ClinicProfile()
    day = pd.Timestamp(as_of).normalize()
    clipped = data.until(day)
    if source is None and clipped.visits.empty:
        raise InputError(f"no visits on or before {day:%Y-%m-%d}; check the date and the file")
    return Analyses(clipped, day, prof, locale or prof.clinic.locale, with_clv, scores, source)
