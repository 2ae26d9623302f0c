"""Drivers of return: logistic model of "came back within N days" (articles 000, 003).

Only patients first seen at least ``economics.returned_within_days`` before ``as_of`` are
modelled (otherwise their outcome is censored). Predictors: acquisition channel, first
treatment category, log first-visit spend, age band at first visit and referral. Odds ratios
come with 95% confidence intervals. If the plain fit fails (perfect separation or a singular
matrix) an L2-regularised fit is used instead and the result says so (no CIs then).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from clinicvalue.errors import InputError
from clinicvalue.profile import ClinicProfile
from clinicvalue.summarize.treatments import treatment_category

_AGE_BINS = [0, 18, 35, 50, 65, 200]
_AGE_LABELS = ["age_0_17", "age_18_34", "age_35_49", "age_50_64", "age_65_plus"]


@dataclass(frozen=True)
class Drivers:
    """Odds ratios of returning within the window."""

    table: pd.DataFrame
    n: int
    n_returned: int
    method: str
    notes: tuple[str, ...]

    def to_metrics(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        t = self.table.astype({c: float for c in ("odds_ratio", "ci_low", "ci_high", "p_value")})
        rows = t.replace({np.nan: None}).to_dict("records")
        return {
            "n": self.n,
            "n_returned": self.n_returned,
            "method": self.method,
            "notes": list(self.notes),
            "terms": rows,
        }


def design(
    visits: pd.DataFrame,
    patients: pd.DataFrame | None,
    as_of: pd.Timestamp,
    profile: ClinicProfile,
    *,
    first_treatment: pd.Series | None = None,
    features: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Build the per-patient modelling frame: outcome ``returned`` plus predictors.

    ``features`` are the patient features of the same visits as of ``as_of``
    (:func:`~clinicvalue.summarize.features.patient_features`), when already made: their
    first and second visit and first spend are used instead of sorting the visits.
    """
    days = profile.economics.returned_within_days
    as_of = pd.Timestamp(as_of)
    wants_treatment = first_treatment is None and "treatment" in visits.columns
    first = None
    if features is None or wants_treatment:
        v = visits.sort_values(["patient_id", "visit_date"])
        g = v.groupby("patient_id", sort=False)
        first = g.head(1).set_index("patient_id")
    if features is not None:
        firsts = features[["first_visit", "second_visit", "first_spend"]]
    else:
        second = g["visit_date"].nth(1)
        second = pd.Series(second.to_numpy(), index=v.loc[second.index, "patient_id"])
        firsts = pd.DataFrame(
            {
                "first_visit": first["visit_date"],
                "second_visit": second.reindex(first.index),
                "first_spend": first["amount"],
            }
        )
    firsts = firsts[(firsts["first_visit"] <= as_of - pd.Timedelta(days=days)).to_numpy()]
    frame = pd.DataFrame(index=firsts.index)
    frame["first_visit"] = firsts["first_visit"]
    gap = (firsts["second_visit"] - frame["first_visit"]).dt.days
    frame["returned"] = (gap <= days).astype(int)
    spend = firsts["first_spend"]
    frame["log_first_spend"] = np.log1p(spend.clip(lower=0))
    if first_treatment is not None:
        frame["treatment"] = first_treatment.reindex(frame.index).fillna("unknown").astype(str)
    elif wants_treatment:
        text = first["treatment"].reindex(frame.index)
        listed = text.fillna("unknown").astype(str).str.split("; ").str[0]
        category = treatment_category(text, profile)  # the profile's category, if any
        frame["treatment"] = category.fillna(listed).astype(str)
    if patients is not None:
        p = patients.drop_duplicates("patient_id").set_index("patient_id").reindex(frame.index)
        if "channel" in p.columns:
            frame["channel"] = p["channel"].fillna("unknown").astype(str)
        if "birth_date" in p.columns:
            age = (frame["first_visit"] - pd.to_datetime(p["birth_date"])).dt.days / 365.25
            frame["age_band"] = (
                pd.cut(age, _AGE_BINS, labels=_AGE_LABELS, right=False)
                .astype(str)
                .replace("nan", "unknown")
            )
        if "referred_by" in p.columns:
            ref = p["referred_by"].astype("string").str.strip()
            frame["referred"] = (ref.notna() & (ref != "")).astype(int)
    return frame


def return_drivers(
    visits: pd.DataFrame,
    patients: pd.DataFrame | None,
    as_of: pd.Timestamp,
    profile: ClinicProfile,
    *,
    first_treatment: pd.Series | None = None,
    features: pd.DataFrame | None = None,
    min_patients: int = 30,
    min_events: int = 10,
    min_level: int = 10,
) -> Drivers:
    """Fit a logistic model of returning within the window and tabulate odds ratios.

    Parameters
    ----------
    visits, patients : pandas.DataFrame
        Canonical visits and (optional) patients tables.
    as_of : pandas.Timestamp
        Analysis date; patients first seen later than ``as_of − window`` are left out.
    profile : ClinicProfile
        Supplies ``economics.returned_within_days``.
    first_treatment : pandas.Series, optional
        Category of each patient's first treatment; default: the profile's category of the
        first visit's treatment (``treatment_category``), else its first listed treatment.
    features : pandas.DataFrame, optional
        The patient features of ``visits`` as of ``as_of``, when already made (see
        :func:`design`).
    min_patients : int
        Fewest eligible patients needed.
    min_events : int
        Fewest patients who returned, and who did not, needed: a logistic model of a rare
        outcome says nothing.
    min_level : int
        Levels with fewer patients are pooled into ``other``; a yes/no predictor that
        differs from an earlier one for fewer patients than this is left out (it measures
        the same thing, e.g. "referred" and the referral channel). Both are noted.

    Returns
    -------
    Drivers
        ``table`` columns: ``term, odds_ratio, ci_low, ci_high, p_value, n``.
    """
    frame = design(
        visits, patients, as_of, profile, first_treatment=first_treatment, features=features
    )
    days = profile.economics.returned_within_days
    if len(frame) < min_patients:
        raise InputError(
            f"Only {len(frame)} patients were first seen at least {days} days before "
            f"{pd.Timestamp(as_of).date()}; the drivers model needs {min_patients}. "
            "Use a later as_of or more history."
        )
    y = frame["returned"]
    if y.nunique() < 2:
        raise InputError(
            f"Every eligible patient {'returned' if y.iloc[0] else 'did not return'} within "
            f"{days} days, so nothing distinguishes returners; the drivers model cannot be fit."
        )
    fewest = int(min(y.sum(), (~y.astype(bool)).sum()))
    if fewest < min_events:
        raise InputError(
            f"Only {fewest} eligible patients {'returned' if y.mean() < 0.5 else 'did not return'}"
            f" within {days} days; the drivers model needs at least {min_events} of each."
        )
    notes: list[str] = []
    cats = [c for c in ("channel", "treatment", "age_band") if c in frame.columns]
    parts = [frame[["log_first_spend"]]]
    for c in cats:
        level = _pool_rare(frame[c], min_level, notes)
        base = level.value_counts().index[0]  # most common level is the reference
        dummies = pd.get_dummies(level, prefix=c, dtype=float).drop(columns=f"{c}_{base}")
        notes.append(f"{c}: reference level is '{base}'.")
        parts.append(dummies)
    if "referred" in frame.columns:
        parts.append(frame[["referred"]].astype(float))
    x = pd.concat(parts, axis=1).astype(float)
    x = x.loc[:, x.std() > 0]
    x = _drop_near_duplicates(x, min_level, notes)
    import statsmodels.api as sm  # here, not at import: the scoring commands never fit it
    from statsmodels.tools.sm_exceptions import PerfectSeparationError, PerfectSeparationWarning

    x = sm.add_constant(x, has_constant="add")
    counts = (x != 0).sum()
    method = "logit"
    try:
        if np.linalg.matrix_rank(x.to_numpy()) < x.shape[1]:
            raise np.linalg.LinAlgError("singular design: some predictors duplicate others")
        with warnings.catch_warnings():
            warnings.simplefilter("error", PerfectSeparationWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            fit = sm.Logit(y, x).fit(disp=0, maxiter=100)
        if not fit.mle_retvals.get("converged", True) or not np.all(np.isfinite(fit.bse)):
            raise np.linalg.LinAlgError("not converged")
        ci = fit.conf_int()
        table = pd.DataFrame(
            {
                "term": x.columns,
                "odds_ratio": np.exp(fit.params.to_numpy()),
                "ci_low": np.exp(ci[0].to_numpy()),
                "ci_high": np.exp(ci[1].to_numpy()),
                "p_value": fit.pvalues.to_numpy(),
                "n": counts.to_numpy(),
            }
        )
    except (PerfectSeparationError, PerfectSeparationWarning, np.linalg.LinAlgError):
        method = "logit_l2"
        notes.append(
            "The plain fit failed (perfect separation, predictors that duplicate each other "
            "or too few patients in some group); "
            "a ridge-regularised fit was used, so odds ratios are shrunk and have no CIs."
        )
        glm = sm.GLM(y, x, family=sm.families.Binomial())
        fit = glm.fit_regularized(alpha=0.05, L1_wt=0.0)
        table = pd.DataFrame(
            {
                "term": x.columns,
                "odds_ratio": np.exp(np.asarray(fit.params)),
                "ci_low": np.nan,
                "ci_high": np.nan,
                "p_value": np.nan,
                "n": counts.to_numpy(),
            }
        )
    table = table[table["term"] != "const"].reset_index(drop=True)
    return Drivers(table, int(len(frame)), int(y.sum()), method, tuple(notes))


def _pool_rare(level: pd.Series, min_level: int, notes: list[str]) -> pd.Series:
    """Pool levels seen for fewer than ``min_level`` patients into ``other``."""
    counts = level.value_counts()
    rare = counts.index[counts < min_level]
    if len(rare) == 0 or len(rare) == len(counts):
        return level
    names = ", ".join(f"'{r}'" for r in rare)
    notes.append(f"{level.name}: {names} pooled into 'other' (fewer than {min_level} patients).")
    return level.where(~level.isin(rare), "other")


def _drop_near_duplicates(x: pd.DataFrame, min_level: int, notes: list[str]) -> pd.DataFrame:
    """Leave out yes/no columns that differ from an earlier one for < ``min_level`` rows."""
    binary = [c for c in x.columns if x[c].isin((0.0, 1.0)).all()]
    kept: list[str] = []
    dropped: list[str] = []
    for c in binary:
        col = x[c].to_numpy()
        twin = next((k for k in kept if int((x[k].to_numpy() != col).sum()) < min_level), None)
        if twin is None:
            kept.append(c)
            continue
        dropped.append(c)
        notes.append(
            f"'{c}' left out: it matches '{twin}' for all but "
            f"{int((x[twin].to_numpy() != col).sum())} patients, so its effect shows there."
        )
    return x.drop(columns=dropped)
