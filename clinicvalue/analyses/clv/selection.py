"""Which visit model forecasts this clinic best: BG/NBD, Pareto/NBD or MBG/CNBD-k, by holdout.

:func:`compare_models` fits each candidate on the calibration period (visits up to
``as_of − holdout``), forecasts every patient's holdout visits and compares them with
what happened: mean absolute error per patient, overall and per patient group (say,
recall members against the others), and the bias per calibration-repeat bin and per
group. :func:`choose_model` applies the documented rule.

The rule: the candidate with the lowest per-patient mean absolute error wins, but
BG/NBD, the familiar default, is kept unless another model is at least
:data:`MIN_GAIN` (2%) better — a difference smaller than that is noise on a clinic's
holdout year, not a reason to change the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clinicvalue.analyses.clv.cnbd import cnbd_expected, fit_cnbd
from clinicvalue.analyses.clv.model import ClvModel
from clinicvalue.analyses.clv.pareto import fit_pareto_nbd, pareto_expected
from clinicvalue.analyses.clv.validation import holdout_split
from clinicvalue.errors import InputError
from clinicvalue.summarize.summary import calibration_holdout, log_gap_sum

__all__ = ["MODELS", "MIN_GAIN", "ModelComparison", "choose_model", "compare_models"]

MODELS = ("bgnbd", "pareto_nbd", "mbg_cnbd_k")
#: the least relative cut in holdout error for which a model replaces BG/NBD
MIN_GAIN = 0.02
#: calibration repeat-visit bins of the bias table (the last one is "this many or more")
BINS = 7


@dataclass(frozen=True, eq=False)
class ModelComparison:
    """Every candidate's holdout accuracy and the model the rule chose.

        ``errors`` has one row per candidate — each model fitted on all patients and, with
    groups, each fitted per group (``<model>|by_group``: the group as a covariate of every
    parameter) — with ``mae`` overall and ``mae_<group>`` per group;
        ``bias`` has one row per (model, group, repeat bin): patients, mean actual and mean
        forecast holdout visits and their relative difference. ``params`` holds each fit's
        parameters (with ``k`` for MBG/CNBD-k).
    """

    chosen: str
    errors: pd.DataFrame
    bias: pd.DataFrame
    params: dict[str, dict[str, float]]  # per model, and per ``<model>|<group>``
    calibration_end: pd.Timestamp
    holdout_months: int

    def gain(self, group: str | None = None) -> float:
        """Return the chosen model's relative cut in error against BG/NBD (0 for BG/NBD)."""
        col = "mae" if group is None else f"mae_{group}"
        base, best = self.errors.at["bgnbd", col], self.errors.at[self.chosen, col]
        return float(1 - best / base) if base > 0 else 0.0

    def to_metrics(self) -> dict:
        """Return the comparison as JSON-ready values."""
        return {
            "chosen": self.chosen,
            "rule": f"lowest holdout MAE per patient; BG/NBD kept unless {MIN_GAIN:.0%} better",
            "calibration_end": f"{self.calibration_end:%Y-%m-%d}",
            "holdout_months": self.holdout_months,
            "errors": {
                m: {k: float(v) for k, v in row.items()} for m, row in self.errors.iterrows()
            },
            "params": self.params,
        }


def choose_model(mae: dict[str, float]) -> str:
    """Return the model the rule picks from each candidate's holdout MAE."""
    finite = {m: v for m, v in mae.items() if np.isfinite(v)}
    if "bgnbd" not in finite:
        raise InputError("the comparison needs BG/NBD's holdout error as the baseline")
    best = min(finite, key=finite.get)
    return best if finite[best] <= (1 - MIN_GAIN) * finite["bgnbd"] else "bgnbd"


def compare_models(
    visits: pd.DataFrame,
    as_of: str | pd.Timestamp,
    *,
    holdout_months: int = 12,
    time_unit: str = "W",
    groups: pd.Series | None = None,
) -> ModelComparison:
    """Fit every model on the calibration period and score it on the holdout.

    Parameters
    ----------
    visits
        Canonical visits (``patient_id``, ``visit_date``, ``amount``).
    as_of
        End of the holdout.
    holdout_months
        Length of the holdout.
    time_unit
        Unit of the fits (``D``, ``W`` or ``M``).
    groups
        A label per patient (indexed by ``patient_id``), e.g. ``"recall"`` and
        ``"other"``; errors and biases are also given per label.

    Raises
    ------
    InputError
        When no visit falls before the calibration end.
    """
    cal_end, obs_end = holdout_split(visits, as_of, holdout_months)
    ch = calibration_holdout(visits, cal_end, obs_end, time_unit=time_unit)
    cal = ch.rename(columns=lambda s: s.removesuffix("_cal"))
    litt = log_gap_sum(visits, cal_end, time_unit=time_unit).reindex(cal.index).fillna(0.0)
    x, t_x, T = (cal[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T"))
    litt_v = np.where(x > 0, litt.to_numpy(), 0.0)
    horizon = float(ch["duration_holdout"].iloc[0])
    actual = ch["frequency_holdout"].to_numpy(dtype="float64")

    label = (
        pd.Series("all", index=cal.index)
        if groups is None
        else groups.astype("string").reindex(cal.index).fillna("other")
    ).to_numpy()
    names = sorted(set(label)) if groups is not None else []

    def fit(model: str, rows: np.ndarray) -> tuple[np.ndarray, dict[str, float]]:
        """Forecast the holdout of ``rows`` with ``model`` fitted on those rows alone."""
        xr, tr, Tr = x[rows], t_x[rows], T[rows]
        if model == "bgnbd":
            bg = ClvModel(time_unit=time_unit).fit(cal.iloc[np.flatnonzero(rows)])
            return bg.expected_visits(cal.iloc[np.flatnonzero(rows)], horizon).to_numpy(), dict(
                bg.params_
            )
        if model == "pareto_nbd":
            pn = fit_pareto_nbd(xr, tr, Tr)
            return pareto_expected(pn.params, horizon, xr, tr, Tr), dict(pn.params)
        cn = fit_cnbd(xr, tr, Tr, litt_v[rows])
        out = cnbd_expected(cn.k, cn.params, horizon, xr, tr, Tr)
        return out, {"k": float(cn.k), **cn.params}

    forecasts: dict[str, np.ndarray] = {}
    params: dict[str, dict[str, float]] = {}
    everyone = np.ones(len(x), dtype=bool)
    for model in MODELS:
        forecasts[model], params[model] = fit(model, everyone)
    # the groups as a covariate of every parameter: each group fitted on its own
    for model in MODELS if len(names) > 1 else ():
        pred = np.zeros(len(x))
        for g in names:
            rows = label == g
            pred[rows], fitted = fit(model, rows)
            params[f"{model}|{g}"] = fitted
        forecasts[f"{model}|by_group"] = pred
    rows, bias = {}, []
    repeat_bin = np.minimum(x, BINS - 1).astype(int)
    for model, pred in forecasts.items():
        err = np.abs(pred - actual)
        rows[model] = {"mae": float(err.mean())} | {
            f"mae_{g}": float(err[label == g].mean()) for g in names
        }
        frame = pd.DataFrame(
            {"group": label, "bin": repeat_bin, "actual": actual, "forecast": pred}
        )
        table = frame.groupby(["group", "bin"]).agg(
            patients=("actual", "size"), actual=("actual", "mean"), forecast=("forecast", "mean")
        )
        table["bias"] = table["forecast"] / table["actual"].where(table["actual"] > 0) - 1
        bias.append(table.assign(model=model).reset_index())
    errors = pd.DataFrame.from_dict(rows, orient="index")
    errors.index.name = "model"
    chosen = choose_model(errors["mae"].to_dict())
    return ModelComparison(
        chosen=chosen,
        errors=errors,
        bias=pd.concat(bias, ignore_index=True)[
            ["model", "group", "bin", "patients", "actual", "forecast", "bias"]
        ],
        params=params,
        calibration_end=cal_end,
        holdout_months=holdout_months,
    )
