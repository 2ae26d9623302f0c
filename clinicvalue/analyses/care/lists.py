"""The day's call lists, worded for the front desk, merged into one worklist.

:func:`day_tasks` finds every call due on a day, one frame per list of
:data:`~clinicvalue.profile.WORKLISTS`, each row with its reason spelled out (the
treatment, the date, the churn signal's value) and a suggested script in the clinic's
language. :func:`worklist` merges them into the day's ranked worklist
(:mod:`~clinicvalue.analyses.care.worklist`); :func:`action_lists` returns that worklist
as one view per list, for the report and ``actions.xlsx``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clinicvalue.analyses.care import schedule as care
from clinicvalue.analyses.care.appointments import booked_patients, next_day_bookings
from clinicvalue.analyses.care.worklist import Worklist, build_worklist
from clinicvalue.analyses.retention.churn import ChurnWarnings, _check_clv, _flags, _warnings
from clinicvalue.data import ClinicData
from clinicvalue.errors import check_option
from clinicvalue.idsets import ids_in
from clinicvalue.profile import WORKLISTS, ClinicProfile
from clinicvalue.summarize.features import patient_features
from clinicvalue.summarize.summary import MONTH_DAYS
from clinicvalue.text.catalogue import LOCALES, triples

__all__ = ["LISTS", "FOLLOWUP_LATE_DAYS", "action_lists", "day_tasks", "list_views", "worklist"]

#: Keys of :func:`action_lists`, in sheet order.
LISTS = WORKLISTS
#: A follow-up missed over a weekend stays on the list this many days.
FOLLOWUP_LATE_DAYS = 2

_REASON = triples("lists.reason")
_SCRIPT = triples("lists.script")
_EXTRA: dict[str, tuple[str, str, str]] = triples("lists.text")
_IDX = {loc: i for i, loc in enumerate(LOCALES)}


def _fill(template: str, index: pd.Index, **fields: pd.Series) -> pd.Series:
    """Fill ``{name}`` placeholders from aligned string Series, vectorised."""
    parts = template.replace("}", "{").split("{")
    out = pd.Series("", index=index, dtype="string")
    for i, part in enumerate(parts):
        out = out + (fields[part].astype("string").fillna("") if i % 2 else part)
    return out


def _dates(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s).dt.strftime("%Y-%m-%d").astype("string")


def _referral_counts(patients: pd.DataFrame | None) -> pd.Series:
    if patients is None or "referred_by" not in patients.columns:
        return pd.Series(dtype="int64", index=pd.Index([], dtype="string"))
    ref = patients["referred_by"].astype("string").str.strip()
    ref = ref[ref.fillna("").ne("")]
    return ref.value_counts()


def _open_items(plans: pd.DataFrame | None, ids: pd.Series) -> pd.Series:
    """Return the first unfinished plan item of patients ``ids``, and how many more."""
    if plans is None or plans.empty or ids.empty:
        return pd.Series(dtype="string")
    pid = plans["patient_id"].astype("string")
    todo = plans[plans["status"].astype("string").ne("done").to_numpy() & ids_in(pid, ids)]
    todo = todo.assign(
        patient_id=todo["patient_id"].astype("string"), item=todo["item"].astype(str)
    )
    items = todo.drop_duplicates(["patient_id", "item"]).groupby("patient_id")["item"]
    first, more = items.first().astype("string"), items.size() - 1
    return first + (" +" + more.astype("string")).where(more > 0, "")


def day_tasks(
    data: ClinicData,
    summary: pd.DataFrame,
    day: pd.Timestamp | str,
    profile: ClinicProfile,
    *,
    clv: pd.DataFrame | None = None,
    interrupted: pd.Series | None = None,
    locale: str = "en",
    features: pd.DataFrame | None = None,
    churn: ChurnWarnings | None = None,
) -> dict[str, pd.DataFrame]:
    """Return every call due on ``day``, one frame per list.

    Parameters
    ----------
    data
        The clinic's canonical tables (``appointments`` gives tomorrow's reminders).
    summary
        Output of :func:`clinicvalue.summarize.summary.summarize` as of ``day``.
    day
        The day of the calls.
    profile
        The clinic profile (churn, care, referral sections).
    clv
        Optional lifetime-value scores (``p_alive``, ``clv``) indexed by ``patient_id``.
    interrupted
        Optional boolean per patient (the segmentation's interrupted patients, 003).
    locale
        ``"en"``, ``"zh-Hant"`` or ``"zh-Hans"`` for reasons and scripts.
    features
        :func:`~clinicvalue.summarize.features.patient_features` for ``day``, when known.
    churn
        :func:`~clinicvalue.analyses.retention.churn.churn_warnings` for ``day`` with the
        same scores and locale, when already made (the report's list is then the desk's).

    Returns
    -------
    dict[str, pandas.DataFrame]
        Keys of :data:`LISTS` with rows ``patient_id, task, due_date, reason, script``:
        ``followups`` due on the day (or up to :data:`FOLLOWUP_LATE_DAYS` late);
        ``reminders`` for tomorrow's appointments; ``recalls_due`` due within
        ``care.due_within_days`` or overdue (with ``overdue_days``), leaving out
        patients away longer than ``activity.dormant_months``; ``churn_warnings``;
        ``reactivation`` (dormant high-value and interrupted patients, the unfinished
        treatment named); ``birthdays`` within ``care.birthday_within_days``;
        ``vip_referrers``.
    """
    check_option("locale", locale, LOCALES)
    _check_clv(clv)
    day = pd.Timestamp(day).normalize()
    i = _IDX[locale]
    patients = data.patients
    last = summary["last_visit"].set_axis(summary.index.astype("string"))
    if features is None:
        features = patient_features(data.visits, day, profile)

    def frame(ids: pd.Series, task: object, due: object, reason: pd.Series, script: object):
        return pd.DataFrame(
            {
                "patient_id": pd.Series(ids, dtype="string").to_numpy(),
                "task": task,
                "due_date": due,
                "reason": pd.Series(reason, dtype="string").to_numpy(),
                "script": script,
            }
        )

    out: dict[str, pd.DataFrame] = {}

    window = max(profile.care.followup_hours) // 24 + 1 + FOLLOWUP_LATE_DAYS
    recent = data.visits[data.visits["visit_date"] > day - pd.Timedelta(days=window)]
    follow = care.followup_schedule(recent, day, profile, days=window, late_days=FOLLOWUP_LATE_DAYS)
    follow = follow[follow["due_date"].dt.normalize() <= day]
    # one call per visit: the latest follow-up due covers a missed earlier one
    follow = follow.sort_values("due_date", kind="stable")
    follow = follow.drop_duplicates(["patient_id", "visit_date"], keep="last")
    follow = follow.reset_index(drop=True)
    hours = follow["task"].str.extract(r"(\d+)h", expand=False).astype("int64")
    after = (hours // 24).astype("string") + _EXTRA["days"][i]
    after = after.where(hours >= 168, hours.astype("string") + _EXTRA["hours"][i])
    treated = pd.Series(pd.NA, index=follow.index, dtype="string")
    if "treatment" in recent.columns and len(follow):
        day_key = recent.set_index(["patient_id", "visit_date"])["treatment"]
        treated = pd.Series(
            day_key.reindex(pd.MultiIndex.from_frame(follow[["patient_id", "visit_date"]])),
            dtype="string",
        ).set_axis(follow.index)
    what = (" (" + treated + ")").fillna("")
    reason = _fill(
        _EXTRA["followup"][i], follow.index, after=after, date=_dates(follow["visit_date"])
    )
    out["followups"] = frame(
        follow["patient_id"], follow["task"], follow["due_date"], reason + what,
        _SCRIPT["followup"][i],
    )  # fmt: skip

    tomorrow = next_day_bookings(data.appointments, day)
    at = tomorrow["time"].astype("string").fillna("")
    what = tomorrow["treatment"].astype("string").fillna("")
    reason = _fill(_EXTRA["reminder"][i], tomorrow.index, date=_dates(tomorrow["date"]), time=at)
    reason = (reason.str.strip() + (" · " + what).where(what.ne(""), "")).astype("string")
    rem = frame(
        tomorrow["patient_id"], "reminder", tomorrow["date"], reason, _EXTRA["reminder_script"][i]
    )
    rem["appointment_time"] = at.where(at.ne(""), pd.NA).to_numpy()
    out["reminders"] = rem

    recalls = care._recalls(features["next_recall_due"], day, profile)
    away = (day - recalls["patient_id"].map(last)).dt.days
    recalls = recalls[~(away > profile.activity.dormant_months * MONTH_DAYS).to_numpy()]
    recalls = recalls.reset_index(drop=True)
    n = recalls["overdue_days"].astype("int64").astype("string")
    due = _dates(recalls["due_date"])
    late = _fill(_EXTRA["recall_overdue"][i], recalls.index, n=n, date=due)
    soon = _fill(_EXTRA["recall_due"][i], recalls.index, date=due)
    reason = late.where(recalls["overdue_days"].gt(0).to_numpy(), soon)
    rec = frame(recalls["patient_id"], "recall", recalls["due_date"], reason, _SCRIPT["recall"][i])
    rec["overdue_days"] = recalls["overdue_days"].to_numpy()
    out["recalls_due"] = rec

    if churn is None:
        churn = _warnings(_flags(features, data, day, profile), summary, profile, clv, locale)
    warn = churn.table
    out["churn_warnings"] = frame(
        pd.Series(warn.index.astype("string")),
        ("churn_" + warn["primary_flag"].astype("string")).to_numpy(),
        day,
        warn["reason"],
        warn["script"].to_numpy(),
    )

    value = None
    if clv is not None and "clv" in clv.columns:
        value = clv["clv"].set_axis(clv.index.astype("string"))
        value = value.reindex(summary.index.astype("string")).set_axis(summary.index)
    react = care.reactivation_list(summary, day, profile, interrupted=interrupted, value=value)
    inter = react["task"].eq("reactivate_interrupted").to_numpy()
    inter_ids = react.loc[inter, "patient_id"].astype("string")
    items = react["patient_id"].astype("string").map(_open_items(data.plans, inter_ids))
    items = items.astype("string")
    named = (_EXTRA["interrupted"][i] + ": " + items).fillna(_EXTRA["interrupted"][i])
    months = ((day - pd.to_datetime(react["last_visit"])).dt.days / MONTH_DAYS).round()
    away_text = _fill(
        _EXTRA["away"][i], react.index, n=months.astype("Int64"), date=_dates(react["last_visit"])
    )
    out["reactivation"] = frame(
        react["patient_id"], react["task"], day,
        pd.Series(np.where(inter, named, away_text), dtype="string"),
        np.where(inter, _EXTRA["interrupted_script"][i], _SCRIPT["reactivate"][i]),
    )  # fmt: skip

    births = care.birthday_list(patients, day, profile).reset_index(drop=True)
    reason = _fill(_EXTRA["birthday"][i], births.index, date=_dates(births["due_date"]))
    out["birthdays"] = frame(
        births["patient_id"], "birthday", births["due_date"], reason, _SCRIPT["birthday"][i]
    )

    counts = _referral_counts(patients)
    counts = counts[counts >= profile.referral.key_referrer_min]
    ids = pd.Series(counts.index.astype("string"))
    reason = _fill(_EXTRA["referrer"][i], ids.index, n=pd.Series(counts.to_numpy(), dtype="int64"))
    out["vip_referrers"] = frame(ids, "thank_referrer", day, reason, _EXTRA["referrer_script"][i])
    return out


def _usual_weekday(visits: pd.DataFrame, ids: pd.Index) -> pd.Series:
    """Each listed patient's most usual visit weekday (0 = Monday), latest on ties."""
    mine = visits.loc[ids_in(visits["patient_id"], ids), ["patient_id", "visit_date"]]
    if mine.empty:
        return pd.Series(dtype="Int64")
    counts = (
        mine.assign(weekday=mine["visit_date"].dt.day_of_week)
        .groupby(["patient_id", "weekday"])
        .size()
        .rename("n")
        .reset_index()
        .sort_values(["patient_id", "n"], ascending=[True, False], kind="stable")
        .drop_duplicates("patient_id")
    )
    return counts.set_index(counts["patient_id"].astype("string"))["weekday"]


def worklist(
    data: ClinicData,
    summary: pd.DataFrame,
    day: pd.Timestamp | str,
    profile: ClinicProfile,
    *,
    clv: pd.DataFrame | None = None,
    interrupted: pd.Series | None = None,
    locale: str = "en",
    features: pd.DataFrame | None = None,
    calls: pd.DataFrame | None = None,
    capacity: int | None = None,
    churn: ChurnWarnings | None = None,
) -> Worklist:
    """Return the day's worklist: :func:`day_tasks` merged, ranked and cut to capacity.

    ``calls`` are the outcomes read back from earlier worklists
    (:func:`clinicvalue.load.calls.read_calls`); the value at stake is the patient's
    lifetime value when ``clv`` is given, else their spend to date; ``churn`` as in
    :func:`day_tasks`.
    """
    day = pd.Timestamp(day).normalize()
    tasks = day_tasks(
        data, summary, day, profile, clv=clv, interrupted=interrupted, locale=locale,
        features=features, churn=churn,
    )  # fmt: skip
    value = None
    if clv is not None:
        value = clv["clv"].set_axis(clv.index.astype("string"))
    booked = booked_patients(data.appointments, day) if data.has_appointments else None
    work = build_worklist(
        tasks, summary, day, profile,
        patients=data.patients, value=value, booked=booked, calls=calls, capacity=capacity,
    )  # fmt: skip
    usual = _usual_weekday(data.visits, pd.Index(work.rows["patient_id"]))
    work.rows["visit_weekday"] = work.rows["patient_id"].map(usual).astype("Int64").to_numpy()
    return work


def action_lists(
    data: ClinicData,
    summary: pd.DataFrame,
    as_of: pd.Timestamp | str,
    profile: ClinicProfile,
    *,
    clv: pd.DataFrame | None = None,
    interrupted: pd.Series | None = None,
    locale: str = "en",
    features: pd.DataFrame | None = None,
    calls: pd.DataFrame | None = None,
    capacity: int | None = None,
) -> dict[str, pd.DataFrame]:
    """Return the day's worklist as one view per list (keys :data:`LISTS`).

    Each view holds the listed patients with a reason on that list, in the worklist's
    priority order; ``attrs["eligible"]`` is how many qualified for the list before the
    hold-back and the capacity.
    """
    work = worklist(
        data, summary, as_of, profile, clv=clv, interrupted=interrupted, locale=locale,
        features=features, calls=calls, capacity=capacity,
    )  # fmt: skip
    return list_views(work)


def list_views(work: Worklist) -> dict[str, pd.DataFrame]:
    """Return one view of ``work`` per list (``attrs["eligible"]``: how many qualified)."""
    out = {}
    for name in LISTS:
        view = work.view(name)
        view.attrs["eligible"] = int(work.eligible.get(name, 0))
        out[name] = view
    return out
