"""Which visit model forecasts this clinic best: BG/NBD, Pareto/NBD or MBG/CNBD-k, by holdout.

:func:`compare_models` fits each candidate on the calibration period (visits up to
``as_of − holdout``), forecasts every patient's holdout visits and compares them with
what happened: mean absolute error per patient, overall and per patient group (say,
recall members against the others), and the bias per calibration-repeat bin and per
group. :func:`choose_model` applies the documented rule.

The rule: the candidate with the lowest per-patient mean absolute error wins, but
BG/NBD, the familiar default, is kept unless another model is at least
:data:`MIN_GAIN` (2%) better *and* its cut in error is more than :data:`MIN_Z` (2)
standard errors of the per-patient differences — a smaller or noisier difference (a
small clinic's holdout year is noisy) is not a reason to change the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clinicvalue.analyses.clv.blas import one_blas_thread
from clinicvalue.analyses.clv.processes import VISIT_MODELS, expected, fit_visits
from clinicvalue.errors import InputError
from clinicvalue.idsets import ids_in
from clinicvalue.summarize.external import ExternalVisits
from clinicvalue.summarize.summary import calibration_holdout, holdout_split, log_gap_sum

__all__ = [
    "MODELS",
    "MIN_GAIN",
    "MIN_GROUP",
    "ModelComparison",
    "choose_model",
    "compare_models",
    "condition_groups",
]

MODELS = VISIT_MODELS
#: the least relative cut in holdout error for which a model replaces BG/NBD
MIN_GAIN = 0.02
#: and the cut must exceed this many standard errors of the paired per-patient differences
MIN_Z = 2.0
#: fewest patients a condition needs to be fitted as a group of its own
MIN_GROUP = 200
#: seed of the patients a large clinic's comparison is made on
SAMPLE_SEED = 20160101
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
            "rule": (
                f"lowest holdout MAE per patient; BG/NBD kept unless {MIN_GAIN:.0%} better "
                f"and the cut exceeds {MIN_Z:g} standard errors"
            ),
            "calibration_end": f"{self.calibration_end:%Y-%m-%d}",
            "holdout_months": self.holdout_months,
            "errors": {
                m: {k: float(v) if np.isfinite(v) else None for k, v in row.items()}
                for m, row in self.errors.iterrows()
            },
            "params": self.params,
            "bias": [
                {
                    "model": str(row.model),
                    "group": str(row.group),
                    "bin": int(row.bin),
                    "patients": int(row.patients),
                    "actual": float(row.actual),
                    "forecast": float(row.forecast),
                    "bias": float(row.bias) if np.isfinite(row.bias) else None,
                }
                for row in self.bias.itertuples(index=False)
            ],
        }


def choose_model(mae: dict[str, float], se: dict[str, float] | None = None) -> str:
    """Return the model the rule picks from each candidate's holdout MAE.

    ``se`` gives, per candidate, the standard error of its per-patient cut in absolute
    error against BG/NBD; without it only the 2% rule applies.
    """
    finite = {m: v for m, v in mae.items() if np.isfinite(v)}
    if "bgnbd" not in finite:
        raise InputError("the comparison needs BG/NBD's holdout error as the baseline")
    base = finite["bgnbd"]

    def clear(m: str) -> bool:
        if finite[m] > (1 - MIN_GAIN) * base:
            return False
        return se is None or (base - finite[m]) > MIN_Z * se.get(m, np.inf)

    better = [m for m in finite if m != "bgnbd" and clear(m)]
    return min(better, key=finite.get) if better else "bgnbd"


@one_blas_thread
def compare_models(
    visits: pd.DataFrame | ExternalVisits,
    as_of: str | pd.Timestamp,
    *,
    holdout_months: int = 12,
    time_unit: str = "W",
    groups: pd.Series | None = None,
    max_patients: int | None = None,
    penalizer: float = 0.0,
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
    max_patients
        Compare on at most this many patients, drawn with a fixed seed (the same ones on
        every run); ``None`` uses everyone. A holdout error per patient is an average, so
        a large sample estimates it as well as the whole clinic does.
    penalizer
        BG/NBD's L2 penalizer.

    Raises
    ------
    InputError
        When no visit falls before the calibration end.
    """
    cal_end, obs_end = holdout_split(
        visits, as_of, holdout_months, setting="clv.model_holdout_months"
    )
    visits = _sample(visits, max_patients)
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
        hist = x[rows], t_x[rows], T[rows]
        params = fit_visits(model, *hist, litt=litt_v[rows], penalizer=penalizer)
        return expected(model, params, [horizon], *hist)[:, 0], params

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
    rows, bias, se = {}, [], {}
    repeat_bin = np.minimum(x, BINS - 1).astype(int)
    base_err = np.abs(forecasts["bgnbd"] - actual)
    for model, pred in forecasts.items():
        err = np.abs(pred - actual)
        se[model] = (
            float(np.std(base_err - err, ddof=1) / np.sqrt(len(err))) if len(err) > 1 else np.inf
        )
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
    errors["se_vs_bgnbd"] = pd.Series(se)
    chosen = choose_model(errors["mae"].to_dict(), se)
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


def _sample(
    visits: pd.DataFrame | ExternalVisits, max_patients: int | None
) -> pd.DataFrame | ExternalVisits:
    """Return the visits of at most ``max_patients`` patients drawn with a fixed seed.

    The draw is from the patients in ID order (the loader's visits come sorted by ID),
    so the same clinic gives the same sample wherever its visits are held.
    """
    if max_patients is None:
        return visits
    external = isinstance(visits, ExternalVisits)
    ids = np.asarray(visits.patient_ids() if external else visits["patient_id"].unique())
    if len(ids) <= max_patients:
        return visits
    keep = np.random.default_rng(SAMPLE_SEED).choice(len(ids), max_patients, replace=False)
    if external:
        return visits.only(list(ids[keep]))
    return visits[ids_in(visits["patient_id"], ids[keep])]


def condition_groups(patients: pd.DataFrame | None, index: pd.Index) -> pd.Series | None:
    """Return each patient's group for the visit models: their condition, or ``"other"``.

    A recall programme or a chronic condition (the patients table's ``condition``) sets a
    patient's rhythm, so it is the group a model is fitted per. Conditions with fewer
    than :data:`MIN_GROUP` of the ``index``'s patients join ``"other"``; ``None`` when
    fewer than two groups remain or the table has no condition.
    """
    if patients is None or "condition" not in patients.columns or not len(patients):
        return None
    cond = patients.drop_duplicates("patient_id").set_index("patient_id")["condition"]
    label = cond.astype("string").str.strip().replace("", pd.NA).reindex(index).fillna("other")
    counts = label.value_counts()
    small = counts.index[counts < MIN_GROUP]
    label = label.where(~label.isin(small), "other").astype(str)
    return label if label.nunique() > 1 else None
