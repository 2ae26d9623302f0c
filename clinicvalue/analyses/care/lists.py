"""Staff call lists for actions.xlsx: one frame per list, ready for the front desk.

Each list has one row per patient (the most urgent task wins), sorted by priority, cut to
``top_n``: ``patient_key`` (pseudonymous), ``task``, ``reason`` and ``script`` in the locale,
``due_date``, ``last_visit``, ``priority`` (1 = call first) and, only where
:func:`clinicvalue.privacy.contact_allowed` says so, ``name`` and ``phone``. Patients
whose ``contact_ok`` is false are left off every list. :func:`action_lists` builds all
the staff's lists in one call for ``actions.xlsx``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clinicvalue.analyses.care import schedule as care
from clinicvalue.analyses.retention.churn import _check_clv, _flags, _warnings
from clinicvalue.data import ClinicData
from clinicvalue.errors import check_option
from clinicvalue.privacy import contact_allowed, pseudonym_secret, pseudonymize
from clinicvalue.profile import ClinicProfile
from clinicvalue.summarize.features import patient_features
from clinicvalue.summarize.summary import MONTH_DAYS
from clinicvalue.text.catalogue import LOCALES, triples

__all__ = ["LOCALES", "LISTS", "action_lists", "call_list"]


# task prefix → locale → (reason, suggested script)
_TEXT: dict[str, dict[str, tuple[str, str]]] = {
    k: {loc: (reason[i], triples("lists.script")[k][i]) for i, loc in enumerate(LOCALES)}
    for k, reason in triples("lists.reason").items()
}


def call_list(
    tasks: pd.DataFrame,
    patients: pd.DataFrame | None,
    profile: ClinicProfile,
    *,
    locale: str = "en",
    top_n: int = 200,
    last_visit: pd.Series | None = None,
) -> pd.DataFrame:
    """Turn a care/churn task frame into a front-desk call list.

    Parameters
    ----------
    tasks
        Rows with ``patient_id``, ``task`` and ``due_date`` (from :mod:`~.schedule`);
        an optional ``priority_value`` column ranks ties (higher first); optional
        ``reason`` and ``script`` columns replace the task's standard text where set.
    patients
        Canonical patients (``contact_ok``, ``name``, ``phone`` when present).
    profile
        The clinic profile (privacy settings, pseudonym secret).
    locale
        ``"en"``, ``"zh-Hant"`` or ``"zh-Hans"``.
    top_n
        Keep at most this many rows; ``out.attrs["eligible"]`` keeps how many patients
        qualified before the cut.
    last_visit
        Optional last visit date per patient (indexed by ``patient_id``).
    """
    check_option("locale", locale, LOCALES)
    t = tasks.copy()
    t["patient_id"] = t["patient_id"].astype("string")
    if patients is not None and "contact_ok" in patients.columns:
        refused = patients.loc[patients["contact_ok"].eq(False).to_numpy(), "patient_id"]
        # factorise both together: integer membership, not a per-string Python set
        codes, _ = pd.factorize(pd.concat([t["patient_id"], refused.astype("string")]))
        t = t[~np.isin(codes[: len(t)], codes[len(t) :])]
    if "priority_value" not in t.columns:
        t["priority_value"] = 0.0
    t = t.sort_values(["due_date", "priority_value"], ascending=[True, False], kind="stable")
    t = t.drop_duplicates("patient_id")
    eligible = len(t)
    t = t.head(top_n).reset_index(drop=True)
    prefix = t["task"].astype(str).str.split("_").str[0]
    reason = prefix.map({k: v[locale][0] for k, v in _TEXT.items()}).astype("string")
    script = prefix.map({k: v[locale][1] for k, v in _TEXT.items()}).astype("string")
    if "reason" in t.columns:
        reason = t["reason"].astype("string").fillna(reason)
    if "script" in t.columns:
        script = t["script"].astype("string").fillna(script)
    out = pd.DataFrame(
        {
            "patient_key": pseudonymize(t["patient_id"], pseudonym_secret(profile)),
            "task": t["task"].astype("string"),
            "reason": reason,
            "script": script,
            "due_date": t["due_date"],
            "priority": pd.RangeIndex(1, len(t) + 1),
        }
    )
    if last_visit is not None:
        out["last_visit"] = t["patient_id"].map(last_visit).to_numpy()
    allowed = contact_allowed(patients, profile)
    if patients is not None and bool(allowed.any()):
        # reindex, not map: with no ID in the register (referrers named, not numbered) a
        # map gives an all-null column that cannot be filled
        ok = allowed.reindex(pd.Index(t["patient_id"])).to_numpy(dtype=bool, na_value=False)
        info = patients.set_index(patients["patient_id"].astype("string"))
        for col in ("name", "phone"):
            if col in info.columns:
                values = t["patient_id"].map(info[col]).astype("string")
                out[col] = values.where(ok, pd.NA).to_numpy()
    out.attrs["eligible"] = eligible  # patients on the list before the top_n cut
    return out


#: Keys of :func:`action_lists`, in sheet order.
LISTS = ("churn_warnings", "recalls_due", "followups", "birthdays", "reactivation", "vip_referrers")

_EXTRA: dict[str, tuple[str, str, str]] = triples("lists.text")
_IDX = {loc: i for i, loc in enumerate(LOCALES)}


def _fill(template: str, **fields: pd.Series) -> pd.Series:
    """Fill ``{name}`` placeholders from aligned string Series, vectorised."""
    parts = template.replace("}", "{").split("{")
    out = pd.Series("", index=next(iter(fields.values())).index, dtype="string")
    for i, part in enumerate(parts):
        out = out + (fields[part].astype("string") if i % 2 else part)
    return out


def _referral_counts(patients: pd.DataFrame | None) -> pd.Series:
    if patients is None or "referred_by" not in patients.columns:
        return pd.Series(dtype="int64", index=pd.Index([], dtype="string"))
    ref = patients["referred_by"].astype("string").str.strip()
    ref = ref[ref.fillna("").ne("")]
    return ref.value_counts()


def action_lists(
    data: ClinicData,
    summary: pd.DataFrame,
    as_of: pd.Timestamp | str,
    profile: ClinicProfile,
    *,
    clv: pd.DataFrame | None = None,
    interrupted: pd.Series | None = None,
    locale: str = "en",
    top_n: int = 200,
    features: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """Return every staff call list, one frame per sheet of ``actions.xlsx``.

    Parameters
    ----------
    data
        The clinic's canonical tables.
    summary
        Output of :func:`clinicvalue.summarize.summary.summarize` as of ``as_of``.
    as_of
        The day the lists are made.
    profile
        The clinic profile (churn, care, referral and privacy sections).
    clv
        Optional lifetime-value scores (``p_alive``, ``clv``) indexed by ``patient_id``:
        churn warnings and reactivation are then ranked by CLV (the value at risk).
    interrupted
        Optional boolean per patient (the segmentation's interrupted patients, 003).
    locale
        ``"en"``, ``"zh-Hant"`` or ``"zh-Hans"``.
    top_n
        Keep at most this many rows per list.
    features
        :func:`clinicvalue.summarize.features.patient_features` for the same ``as_of``, when
        already computed (computed from ``data.visits`` otherwise).

    Returns
    -------
    dict[str, pandas.DataFrame]
        Keys :data:`LISTS`; each frame as :func:`call_list` returns it (``priority`` 1 =
        call first, one row per patient, contact rules applied). ``churn_warnings`` due
        today, ranked by value at risk; ``recalls_due`` overdue first, leaving out
        patients away longer than ``profile.activity.dormant_months`` (they are on
        ``reactivation``); ``followups`` by
        due time; ``reactivation`` by value; ``vip_referrers`` (patients whose
        ``referred_by`` count reaches ``profile.referral.key_referrer_min``, empty
        without that column) by number of referrals.
    """
    check_option("locale", locale, LOCALES)
    as_of = pd.Timestamp(as_of)
    i = _IDX[locale]
    patients = data.patients
    last = summary["last_visit"].copy()
    last.index = last.index.astype("string")

    def listed(tasks: pd.DataFrame) -> pd.DataFrame:
        return call_list(tasks, patients, profile, locale=locale, top_n=top_n, last_visit=last)

    _check_clv(clv)
    if features is None:
        features = patient_features(data.visits, as_of, profile)  # once for both lists
    flags = _flags(features, data, as_of, profile)
    warn = _warnings(flags, summary, profile, clv, locale).table
    churn_tasks = pd.DataFrame(
        {
            "patient_id": warn.index.astype("string"),
            "task": "churn_" + warn["primary_flag"].astype("string").to_numpy(),
            "due_date": as_of,
            "priority_value": warn["value_at_risk"].fillna(-np.inf).to_numpy(),
            "reason": warn["reason"].to_numpy(),
            "script": warn["script"].to_numpy(),
        }
    )

    recalls = care._recalls(features["next_recall_due"], as_of, profile)
    # patients away longer than the dormant limit go on the reactivation list instead
    away = (as_of - recalls["patient_id"].map(last)).dt.days
    recalls = recalls[~(away > profile.activity.dormant_months * MONTH_DAYS).to_numpy()]
    n = recalls["overdue_days"].astype("int64").astype("string")
    late = _fill(_EXTRA["recall_overdue"][i], n=n)
    recalls["reason"] = late.where(recalls["overdue_days"].gt(0).to_numpy(), pd.NA)

    follow = care.followup_schedule(data.visits, as_of, profile)
    hours = follow["task"].str.extract(r"(\d+)h", expand=False).astype("int64")
    after = (hours // 24).astype("string") + _EXTRA["days"][i]
    after = after.where(hours >= 168, hours.astype("string") + _EXTRA["hours"][i])
    follow["reason"] = _fill(
        _EXTRA["followup"][i], after=after, date=follow["visit_date"].dt.strftime("%Y-%m-%d")
    )

    births = care.birthday_list(patients, as_of, profile)

    value = None
    if clv is not None and "clv" in clv.columns:
        value = (
            clv["clv"].set_axis(clv.index.astype("string")).reindex(summary.index.astype("string"))
        )
        value.index = summary.index
    react = care.reactivation_list(summary, as_of, profile, interrupted=interrupted, value=value)
    inter = react["task"].eq("reactivate_interrupted").to_numpy()
    react["reason"] = pd.Series(_EXTRA["interrupted"][i], index=react.index, dtype="string").where(
        inter, pd.NA
    )
    react["script"] = pd.Series(
        _EXTRA["interrupted_script"][i], index=react.index, dtype="string"
    ).where(inter, pd.NA)
    react["priority_value"] = react["value"].astype("float64").fillna(-np.inf)

    counts = _referral_counts(patients)
    counts = counts[counts >= profile.referral.key_referrer_min]
    refs = pd.DataFrame(
        {
            "patient_id": counts.index.astype("string"),
            "task": "thank_referrer",
            "due_date": as_of,
            "priority_value": counts.to_numpy().astype("float64"),
        }
    )
    refs["reason"] = _fill(_EXTRA["referrer"][i], n=refs["priority_value"].astype("int64"))
    refs["script"] = _EXTRA["referrer_script"][i]

    return {
        "churn_warnings": listed(churn_tasks),
        "recalls_due": listed(recalls),
        "followups": listed(follow),
        "birthdays": listed(births),
        "reactivation": listed(react),
        "vip_referrers": listed(refs),
    }
