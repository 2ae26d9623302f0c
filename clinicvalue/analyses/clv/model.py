"""Lifetime value: the visit model chosen by holdout, with Gamma-Gamma spend (issues 4, 18).

:class:`ClvModel` fits BG/NBD and Gamma-Gamma (the numerics, equal to lifetimes, are in
:mod:`clinicvalue.analyses.clv.bgnbd`), chooses the visit model that scores the patients
— BG/NBD, Pareto/NBD or MBG/CNBD-k, on everyone or per patient group — with
:func:`~clinicvalue.analyses.clv.selection.compare_models`, refits it on all the data and
predicts P(alive), expected visits and discounted lifetime value once per distinct
history of each group, through :mod:`clinicvalue.analyses.clv.processes`.

Fallback without Gamma-Gamma: when fewer than two distinct repeat-spend histories
exist, ``gg_params_`` is ``None`` and expected spend per visit is each patient's mean
spend (or the clinic mean for one-visit patients); ``to_metrics`` records this.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from clinicvalue.analyses.clv.bgnbd import (
    TIME_UNITS,
    UNITS_PER_MONTH,
    condense,
    discounted_visits,
    gg_expected,
    group_rows,
    history_columns,
    monetary_column,
    monthly_rate,
    run_ladder,
)
from clinicvalue.analyses.clv.blas import one_blas_thread
from clinicvalue.analyses.clv.processes import (
    MODEL_NAMES,
    VISIT_MODELS,
    alive,
    expected,
    fit_visits,
)
from clinicvalue.analyses.clv.selection import ModelComparison, compare_models
from clinicvalue.errors import ConvergenceError, InputError, NotFittedError, check_option
from clinicvalue.summarize.external import ExternalVisits
from clinicvalue.summarize.summary import UNIT_DAYS, log_gap_sum
from clinicvalue.writers import write_json

if TYPE_CHECKING:
    from clinicvalue.profile import ClinicProfile


SCORE_COLUMNS = (
    "p_alive",
    "exp_visits_3m",
    "exp_visits_6m",
    "exp_visits_12m",
    "exp_spend",
    "clv_revenue",
    "clv",
)
_SAVED_AS = "bgnbd+gamma-gamma"  # the name saved models have always carried
#: the most patients the ``auto`` comparison is made on (a fixed-seed sample above it)
SELECTION_PATIENTS = 30_000
_NO_REPEAT = (
    "no patient has a repeat visit yet; lifetime value needs patients seen on at least "
    "two different days — use a longer visit history or an earlier start date"
)


class ClvModel:
    """Lifetime value: a visit model chosen by holdout, with Gamma-Gamma spend.

    Parameters
    ----------
    time_unit
        ``"D"``, ``"W"`` or ``"M"``: the unit of the summary's ``recency`` and ``T``.
    penalizer
        L2 penalizer for the BG/NBD and Gamma-Gamma fits (the retry ladder may raise it).
    min_repeat
        Fewest repeat patients with spend for the Gamma-Gamma fit; below it, expected spend
        is each patient's own average (the clinic's for one-visit patients).
    model
        ``"auto"`` (default) compares BG/NBD, Pareto/NBD and MBG/CNBD-k — each on
        everyone and, given ``groups``, fitted per group — on a holdout of the visit log
        (:func:`~clinicvalue.analyses.clv.selection.compare_models`), keeps the rule's
        choice and refits its parameters on all the data (MBG/CNBD-k keeps the rhythm k
        the comparison chose). Without a visit log ``"auto"`` is BG/NBD.
        ``"bgnbd"``, ``"pareto_nbd"`` or ``"mbg_cnbd_k"`` forces a model.
    holdout_months
        The holdout of the ``"auto"`` comparison.

    BG/NBD is always fitted as well (``params_``): it is the comparison's baseline and
    the model of the what-if and interval calculations. The visit model that scores the
    patients is ``visit_model_`` with ``visit_params_`` (one entry per group, plus
    ``"all"``).
    """

    def __init__(
        self,
        *,
        time_unit: str = "W",
        penalizer: float = 0.0,
        min_repeat: int = 2,
        model: str = "auto",
        holdout_months: int = 12,
    ) -> None:
        self.time_unit = time_unit
        self.penalizer = penalizer
        self.min_repeat = min_repeat
        self.model = model
        self.holdout_months = holdout_months

    # -- fitting -----------------------------------------------------------------
    @one_blas_thread
    def fit(
        self,
        summary: pd.DataFrame,
        *,
        visits: pd.DataFrame | ExternalVisits | None = None,
        as_of: str | pd.Timestamp | None = None,
        groups: pd.Series | None = None,
        log_gaps: pd.Series | None = None,
    ) -> ClvModel:
        """Fit the visit model and Gamma-Gamma on a ``summarize`` frame; return self.

        Parameters
        ----------
        summary
            One row per patient (``frequency, recency, T, monetary``), indexed by
            ``patient_id``.
        visits, as_of
            The visit log and the summary's as-of day: needed by ``model="auto"``'s
            comparison and by MBG/CNBD-k (the times between visits).
        groups
            A label per patient (indexed by ``patient_id``), such as the condition that
            puts a patient on a recall: each model is also fitted per label.
        log_gaps
            Each patient's sum of the logs of the days between visits as of ``as_of``
            (the patient features' ``log_gap_days``), when already made: MBG/CNBD-k then
            does not read the visits again for it.
        """
        check_option("time_unit", self.time_unit, TIME_UNITS)
        check_option("model", self.model, ("auto", *VISIT_MODELS))
        if self.penalizer < 0:
            raise InputError(f"penalizer must be ≥ 0; got {self.penalizer}")
        x, t_x, T = history_columns(summary)
        if len(x) == 0:
            raise InputError("the summary has no patients; check the visits and the as-of date")
        if not np.any(x > 0):
            raise ConvergenceError(_NO_REPEAT)
        table = condense(
            pd.DataFrame({"frequency": x, "recency": t_x, "T": T}), ["frequency", "recency", "T"]
        )
        bg = run_ladder("bgnbd", table, self.penalizer)
        self.params_ = bg.params
        self.log_cov_ = bg.log_cov
        self.fit_step_ = bg.step
        self.nll_ = bg.nll
        self.n_patients_ = len(x)
        self.n_histories_ = len(table)
        self._fit_visit_model(summary, visits, as_of, groups, log_gaps)
        m = monetary_column(summary)
        if m is None:
            raise InputError(
                "summary lacks column ['monetary'] (or lifetimes' 'monetary_value'); build it "
                "with clinicvalue.summarize"
            )
        self.n_repeat_ = int((x > 0).sum())
        # net-refund means count as 0 (as in expected_spend)
        rep_m = pd.Series(np.maximum(m[x > 0], 0.0))
        self.mean_spend_ = float(rep_m.mean()) if self.n_repeat_ else 0.0
        if not np.isfinite(self.mean_spend_):
            self.mean_spend_ = 0.0
        self.gg_params_: dict[str, float] | None = None
        self.gg_log_cov_: np.ndarray | None = None
        self.gg_step_: str | None = None
        self.gg_nll_: float | None = None
        keep = (x > 0) & (m > 0)
        gg_table = condense(
            pd.DataFrame({"frequency": x[keep], "monetary": m[keep]}), ["frequency", "monetary"]
        )
        if len(gg_table) >= 2 and int(keep.sum()) >= self.min_repeat:
            gg = run_ladder("gg", gg_table, self.penalizer)
            if gg.params["q"] > 1:
                self.gg_params_, self.gg_log_cov_, self.gg_step_ = gg.params, gg.log_cov, gg.step
                self.gg_nll_ = gg.nll
        return self

    def _log_gaps_in_unit(
        self,
        summary: pd.DataFrame,
        visits: pd.DataFrame | ExternalVisits | None,
        as_of: str | pd.Timestamp | None,
        log_gaps: pd.Series | None,
    ) -> np.ndarray:
        """Return each summary patient's sum of the logs of the times between visits.

        In the model's time unit: ``log_gaps`` (in days) less one ``log(unit)`` per gap
        when given, else read from the visits.
        """
        if log_gaps is not None:
            days = log_gaps.reindex(summary.index)
            gaps = summary["frequency"].to_numpy(dtype="float64")  # repeat visits: the gaps
            litt = days.to_numpy(dtype="float64") - gaps * np.log(UNIT_DAYS[self.time_unit])
            return np.where(days.isna().to_numpy(), 0.0, litt)
        if visits is None or as_of is None:
            raise InputError("MBG/CNBD-k needs the visit log: fit(summary, visits=..., as_of=...)")
        litt = log_gap_sum(visits, as_of, time_unit=self.time_unit).reindex(summary.index)
        return litt.fillna(0.0).to_numpy(dtype="float64")

    def _fit_visit_model(self, summary, visits, as_of, groups, log_gaps=None) -> None:
        """Choose the visit model (``auto``) or take the forced one, and fit it."""
        self.selection_: ModelComparison | None = None
        self.choice_detail_ = ""
        self.groups_ = _clean_groups(groups, summary.index)
        if self.model != "auto":
            family, by_group, self.choice_ = self.model, self.groups_ is not None, "forced"
        elif visits is None or as_of is None:
            family, by_group, self.choice_ = "bgnbd", False, "no_visit_log"
        else:
            try:
                self.selection_ = compare_models(
                    visits, as_of, holdout_months=self.holdout_months,
                    time_unit=self.time_unit, groups=self.groups_,
                    max_patients=SELECTION_PATIENTS, penalizer=self.penalizer,
                )  # fmt: skip
            except (InputError, ConvergenceError) as exc:
                family, by_group, self.choice_ = "bgnbd", False, "no_comparison"
                self.choice_detail_ = str(exc)
            else:
                family, _, tail = self.selection_.chosen.partition("|")
                by_group, self.choice_ = tail == "by_group", "holdout"
        litt = None
        if family == "mbg_cnbd_k":  # only it reads the times between visits
            litt = self._log_gaps_in_unit(summary, visits, as_of, log_gaps)
        x, t_x, T = history_columns(summary)

        def order(key: str) -> int | None:
            """Return the Erlang order the comparison chose for ``key`` (kept in the refit)."""
            chosen = {} if self.selection_ is None else self.selection_.params.get(key, {})
            return None if "k" not in chosen else int(chosen["k"])

        params = {"all": self.params_ if family == "bgnbd" else None}
        if params["all"] is None:
            params["all"] = fit_visits(
                family, x, t_x, T, litt=litt, penalizer=self.penalizer, k=order(family)
            )
        if by_group and self.groups_ is not None:
            label = self.groups_.reindex(summary.index).to_numpy()
            for g in sorted(set(label)):
                rows = label == g
                params[str(g)] = fit_visits(
                    family, x[rows], t_x[rows], T[rows],
                    litt=None if litt is None else litt[rows], penalizer=self.penalizer,
                    k=order(f"{family}|{g}"),
                )  # fmt: skip
        self.visit_model_ = family
        self.by_group_ = len(params) > 1
        self.visit_params_ = params

    @property
    def plain_bgnbd(self) -> bool:
        """Whether patients are scored by one BG/NBD for everyone (intervals need this)."""
        self._check_fitted()
        return self.visit_model_ == "bgnbd" and not self.by_group_

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError("ClvModel is not fitted yet; call ClvModel.fit(summary) first")

    # -- saving ----------------------------------------------------------------------
    _STATE = (
        "params_", "log_cov_", "fit_step_", "nll_", "n_patients_", "n_histories_",
        "n_repeat_", "mean_spend_", "gg_params_", "gg_log_cov_", "gg_step_", "gg_nll_",
    )  # fmt: skip
    #: added in format 2, the visit model chosen beside BG/NBD
    _VISIT_STATE = ("visit_model_", "by_group_", "visit_params_", "choice_")

    def to_dict(self) -> dict[str, Any]:
        """Return the settings and fitted state as JSON-ready values (see :meth:`from_dict`).

        Group labels are not saved: a loaded per-group model scores every patient with
        its ``"all"`` parameters unless ``groups_`` is set again.
        """
        self._check_fitted()
        state: dict[str, Any] = {"model": _SAVED_AS, "format": 2}
        state["settings"] = {
            "time_unit": self.time_unit,
            "penalizer": self.penalizer,
            "min_repeat": self.min_repeat,
            "model": self.model,
            "holdout_months": self.holdout_months,
        }
        for name in self._VISIT_STATE:
            state[name] = getattr(self, name)
        for name in self._STATE:
            value = getattr(self, name)
            state[name] = value.tolist() if isinstance(value, np.ndarray) else value
        return state

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> ClvModel:
        """Return a fitted model from :meth:`to_dict`'s output.

        Raises
        ------
        InputError
            When ``state`` is not a saved ClvModel or lacks part of the fitted state.
        """
        if not isinstance(state, dict) or state.get("model") != _SAVED_AS:
            raise InputError(f"not a saved clinicvalue ClvModel (expected model = {_SAVED_AS})")
        visit_state = cls._VISIT_STATE if state.get("format", 1) >= 2 else ()
        missing = [k for k in ("settings", *cls._STATE, *visit_state) if k not in state]
        if missing:
            raise InputError(f"the saved ClvModel lacks {', '.join(missing)}")
        model = cls(**state["settings"])
        for name in cls._STATE:
            value = state[name]
            if name.endswith("log_cov_") and value is not None:
                value = np.asarray(value, dtype="float64")
            setattr(model, name, value)
        if not visit_state:  # format 1: BG/NBD for everyone
            state = {**state, "visit_model_": "bgnbd", "by_group_": False,
                     "visit_params_": {"all": model.params_}, "choice_": "forced"}  # fmt: skip
        for name in cls._VISIT_STATE:
            setattr(model, name, state[name])
        model.groups_, model.selection_ = None, None
        return model

    @classmethod
    def from_params(
        cls,
        bgnbd: dict[str, float],
        gamma_gamma: dict[str, float] | None = None,
        *,
        time_unit: str = "W",
        mean_spend: float = 0.0,
    ) -> ClvModel:
        """Return a BG/NBD model with known parameters (published ones, say), not fitted.

        Without ``gamma_gamma`` expected spend is each patient's mean, ``mean_spend``
        for one-visit patients. No covariance is known, so no parameter interval either.
        """
        model = cls(time_unit=time_unit, model="bgnbd")
        model.params_, model.gg_params_ = (
            dict(bgnbd),
            None if gamma_gamma is None else dict(gamma_gamma),
        )
        model.log_cov_ = model.gg_log_cov_ = None
        model.fit_step_, model.gg_step_, model.nll_, model.gg_nll_ = "given", None, None, None
        model.n_patients_ = model.n_histories_ = model.n_repeat_ = 0
        model.mean_spend_ = float(mean_spend)
        model.visit_model_, model.by_group_, model.choice_ = "bgnbd", False, "forced"
        model.visit_params_ = {"all": model.params_}
        model.groups_, model.selection_ = None, None
        return model

    def save(self, path: str | Path) -> Path:
        """Write the fitted model as JSON (atomically) and return the path."""
        return write_json(self.to_dict(), path)

    @classmethod
    def load(cls, path: str | Path) -> ClvModel:
        """Read a model written by :meth:`save`."""
        import json

        try:
            state = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read the saved model: {exc}", file=str(path)) from None
        return cls.from_dict(state)

    # -- predictions ---------------------------------------------------------------
    # Every visit-model quantity depends on (x, t_x, T) and the patient's group only: it
    # is computed once per distinct history within a group and gathered back to patients.
    def _per_history(self, summary: pd.DataFrame, compute) -> np.ndarray:
        """Return ``compute(params, x, t_x, T)`` for every row, by group and history."""
        x, t_x, T = history_columns(summary)
        keys = self._group_keys(summary)
        if keys is None:  # one model for everyone: no rows to pick out
            codes, rep = group_rows(x, t_x, T)
            values = np.asarray(compute(self.visit_params_["all"], x[rep], t_x[rep], T[rep]))
            return values[codes]
        out: np.ndarray | None = None
        for key in pd.unique(keys):
            rows = np.flatnonzero(keys == key)
            codes, rep = group_rows(x[rows], t_x[rows], T[rows])
            hist = x[rows][rep], t_x[rows][rep], T[rows][rep]
            values = np.asarray(compute(self.visit_params_[key], *hist))
            if out is None:
                out = np.empty((len(x), *values.shape[1:]), dtype="float64")
            out[rows] = values[codes]
        return out if out is not None else np.empty(0)

    def _group_keys(self, summary: pd.DataFrame) -> np.ndarray | None:
        """Return which fitted parameters each row takes, or ``None`` when all take one."""
        if not (self.by_group_ and self.groups_ is not None):
            return None
        keys = np.full(len(summary), "all", dtype=object)
        label = self.groups_.reindex(summary.index).to_numpy(dtype=object)
        known = pd.Series(label).isin(list(self.visit_params_)).to_numpy()
        keys[known] = label[known]
        return keys

    def _alive(self, summary: pd.DataFrame) -> np.ndarray:
        return self._per_history(
            summary, lambda params, *hist: alive(self.visit_model_, params, *hist)
        )

    def _cumulative(self, summary: pd.DataFrame, months) -> np.ndarray:
        """Return expected visits up to each month-end of ``months`` (a column each)."""
        horizons = np.asarray(months, dtype="float64") * UNITS_PER_MONTH[self.time_unit]
        return self._per_history(
            summary, lambda params, *hist: expected(self.visit_model_, params, horizons, *hist)
        )

    def p_alive(self, summary: pd.DataFrame) -> pd.Series:
        """Return the probability each patient is still active."""
        self._check_fitted()
        return pd.Series(self._alive(summary), index=summary.index, name="p_alive")

    def expected_visits(self, summary: pd.DataFrame, periods: float) -> pd.Series:
        """Return expected visits in the next ``periods`` time units."""
        self._check_fitted()
        out = self._per_history(
            summary,
            lambda params, *hist: expected(self.visit_model_, params, [periods], *hist)[:, 0],
        )
        return pd.Series(out, index=summary.index, name="expected_visits")

    def expected_spend(self, summary: pd.DataFrame) -> pd.Series:
        """Return the conditional expected spend per visit (Gamma-Gamma, or the fallback)."""
        self._check_fitted()
        x = summary["frequency"].to_numpy(dtype="float64")
        m = monetary_column(summary)
        if m is None:
            raise InputError("summary lacks column ['monetary'] (or lifetimes' 'monetary_value')")
        if self.gg_params_ is not None:
            out = gg_expected(self.gg_params_, x, m)
        else:
            out = np.where(x > 0, np.maximum(m, 0.0), self.mean_spend_)
        return pd.Series(out, index=summary.index, name="exp_spend")

    def _discount_factor(self, summary: pd.DataFrame, months: int, rate: float) -> tuple:
        """Return per-row discounted visits over ``months`` and expected visits by 3, 6, 12.

        Both come from the month-end forecasts of each distinct history (1..months plus 3,
        6 and 12 months), worked out once and reduced before they reach the patients.
        """
        ends = np.union1d(np.arange(1, months + 1), [3, 6, 12])
        at = np.searchsorted(ends, [3, 6, 12])
        horizons = ends.astype("float64") * UNITS_PER_MONTH[self.time_unit]

        def compute(params, *hist) -> np.ndarray:
            cum = expected(self.visit_model_, params, horizons, *hist)
            factor = discounted_visits(cum, months, rate)
            return np.column_stack([factor, cum[:, at]])

        values = self._per_history(summary, compute)
        return values[:, 0], values[:, 1:]

    def clv(
        self,
        summary: pd.DataFrame,
        *,
        months: int,
        annual_discount_rate: float,
        margin: float = 1.0,
    ) -> pd.Series:
        """Return discounted lifetime value over ``months`` (times ``margin``)."""
        self._check_fitted()
        if months < 1:
            raise InputError(f"CLV horizon must be at least 1 month; got {months}")
        factor, _ = self._discount_factor(summary, months, monthly_rate(annual_discount_rate))
        spend = self.expected_spend(summary).to_numpy()
        return pd.Series(spend * factor * margin, index=summary.index, name="clv")

    @one_blas_thread
    def predict(self, summary: pd.DataFrame, profile: ClinicProfile) -> pd.DataFrame:
        """Return the per-patient score columns (``SCORE_COLUMNS``)."""
        self._check_fitted()
        c = profile.clv
        if c.horizon_months < 1:
            raise InputError(f"CLV horizon must be at least 1 month; got {c.horizon_months}")
        rate = monthly_rate(c.annual_discount_rate)
        factor, by_month = self._discount_factor(summary, c.horizon_months, rate)
        spend = self.expected_spend(summary).to_numpy()
        revenue = spend * factor
        out = {"p_alive": self._alive(summary)}
        for i, mths in enumerate((3, 6, 12)):
            out[f"exp_visits_{mths}m"] = by_month[:, i]
        out["exp_spend"] = spend
        out["clv_revenue"] = revenue
        out["clv"] = revenue * profile.clinic.gross_margin
        return pd.DataFrame(out, index=summary.index)

    def value_within(
        self,
        summary: pd.DataFrame,
        months_left: np.ndarray,
        *,
        annual_discount_rate: float,
        margin: float = 1.0,
    ) -> pd.Series:
        """Return each patient's discounted expected value over their own next months.

        ``months_left`` (whole months, one per row of ``summary``) is how much of a
        horizon each patient still has: a patient acquired 8 months ago has 28 of a
        36-month lifetime left. Zero months give zero.
        """
        self._check_fitted()
        left = np.clip(np.asarray(months_left, dtype="int64"), 0, None)
        if len(left) != len(summary):
            raise InputError("months_left needs one value per patient of the summary")
        top = int(left.max()) if len(left) else 0
        if top == 0:
            return pd.Series(0.0, index=summary.index, name="value")
        cum = self._cumulative(summary, np.arange(1, top + 1))
        inc = np.diff(cum, axis=1, prepend=0.0)
        disc = (1 + monthly_rate(annual_discount_rate)) ** np.arange(1, top + 1, dtype="float64")
        inside = np.arange(top)[None, :] < left[:, None]
        visits = (inc / disc * inside).sum(axis=1)
        spend = self.expected_spend(summary).to_numpy()
        return pd.Series(spend * visits * margin, index=summary.index, name="value")

    def to_metrics(self) -> dict:
        """Return params, 95% intervals, fit steps and counts as JSON-ready values."""
        self._check_fitted()

        def intervals(params: dict[str, float], log_cov: np.ndarray | None) -> dict:
            # 95% on the log scale (positive bounds); se by the delta method
            out = {}
            sd = np.sqrt(np.diag(log_cov)) if log_cov is not None else None
            if sd is not None:
                sd = np.where(sd < 50, sd, np.nan)  # a flat likelihood: no usable interval
            for i, k in enumerate(params):
                s = float(sd[i]) if sd is not None and np.isfinite(sd[i]) else None
                out[k] = {
                    "estimate": params[k],
                    "se": params[k] * s if s is not None else None,
                    "lower": float(params[k] * np.exp(-1.96 * s)) if s is not None else None,
                    "upper": float(params[k] * np.exp(1.96 * s)) if s is not None else None,
                }
            return out

        ints = {"bgnbd": intervals(self.params_, self.log_cov_)}
        if self.gg_params_ is not None:
            ints["gamma_gamma"] = intervals(self.gg_params_, self.gg_log_cov_)
        return {
            "bgnbd": dict(self.params_),
            "gamma_gamma": dict(self.gg_params_) if self.gg_params_ is not None else None,
            "intervals": ints,
            "fit_step": self.fit_step_,
            "gg_fit_step": self.gg_step_,
            "time_unit": self.time_unit,
            "n_patients": self.n_patients_,
            "n_repeat_patients": self.n_repeat_,
            "n_distinct_histories": self.n_histories_,
            "visit_model": self.visit_model_metrics(),
        }

    def visit_model_metrics(self) -> dict[str, Any]:
        """Return which visit model scores the patients, why, and the holdout comparison."""
        self._check_fitted()
        return {
            "name": self.visit_model_,
            "label": MODEL_NAMES[self.visit_model_],
            "by_group": self.by_group_,
            "choice": self.choice_,
            "choice_detail": getattr(self, "choice_detail_", ""),
            "params": {g: dict(p) for g, p in self.visit_params_.items()},
            "comparison": None if self.selection_ is None else self.selection_.to_metrics(),
        }


def _clean_groups(groups: pd.Series | None, index: pd.Index) -> pd.Series | None:
    """Return the patients' group labels as strings (unknown → ``"other"``), or ``None``.

    ``None`` when fewer than two labels remain: there is nothing to fit per group.
    """
    if groups is None:
        return None
    labels = groups.astype("string").reindex(index).fillna("other").astype(str)
    return labels if labels.nunique() > 1 else None
