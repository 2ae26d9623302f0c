"""The front desk's worklist: one row per patient, every reason, ranked, within capacity.

:func:`build_worklist` merges the day's call lists (follow-ups, reminders, recalls, churn
warnings, reactivation, birthdays, referrers) into one list:

1. Patients who refused contact, or whose last call was recorded as "do not contact",
   are left off every list. Patients with a booking are left off recall, churn-warning
   and reactivation calls. A patient with an outcome recorded on a list less than
   ``actions.retry_days`` ago is not called again on that list (unless "call back").
2. Each patient gets one row carrying every reason that put them there. The row's
   *list* is its most urgent reason's.
3. Rows are ranked by urgency, then by the value at stake (lifetime value when known,
   else spend to date), then by due date. Urgency: follow-ups a day or two after a
   treatment and tomorrow's reminders first; recalls due soon (overdue at most
   ``actions.recall_grace_days``) and follow-ups a week or a month after;
   churn warnings; recalls long overdue; reactivation; birthdays and referrers.
4. A fixed share of each holdable list (``actions.holdout_share``) is held back: a
   seeded hash of the patient's pseudonymous key and the list decides, so the same
   patient is held back on every run and anyone can recompute it. Held-back patients
   are not listed; those ranked within the listed range form the control group.
5. The first ``actions.daily_capacity`` rows not held back are the day's worklist.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from clinicvalue.data import CALL_OUTCOMES as OUTCOMES
from clinicvalue.idsets import ids_in, values_for
from clinicvalue.privacy import contact_allowed, pseudonym_secret, pseudonymize
from clinicvalue.profile import WORKLISTS, ClinicProfile

__all__ = ["OUTCOMES", "URGENCY", "Worklist", "build_worklist", "held_back"]

#: list → urgency tier (0 = most urgent); recalls overdue past the grace period get 3.
URGENCY = {
    "followups": 0,
    "reminders": 0,
    "recalls_due": 1,
    "churn_warnings": 2,
    "reactivation": 4,
    "birthdays": 5,
    "vip_referrers": 5,
}
_LONG_OVERDUE = 3
_BOOKED_OFF = ("recalls_due", "churn_warnings", "reactivation")


@dataclass(frozen=True)
class Worklist:
    """One day's worklist and what was left off.

    Attributes
    ----------
    day
        The day the list is for.
    rows
        The listed patients, priority order: ``patient_id, patient_key, priority``
        (1 = call first), ``list`` (the most urgent reason's), ``lists`` and ``tasks``
        (every reason's list and task, ``;``-joined), ``reason`` (every reason, ``; ``
        joined), ``script``, ``due_date``, ``last_visit``, ``value`` (value at stake),
        ``visit_weekday`` (0 = Monday, their most usual visit day; NA when unknown),
        ``appointment_time`` (reminders), and ``name``, ``phone`` where allowed.
    held
        The control group: patients held back and ranked within the listed range
        (``patient_id, patient_key, list, priority, due_date``).
    eligible
        Patients qualifying per list (a patient counts on each of their lists), after
        the contact rules and bookings, before the hold-back and the capacity.
    booked
        Patients left off each list because they have a booking (``None`` without an
        appointment book).
    capacity
        The day's capacity the list was cut to.
    """

    day: pd.Timestamp
    rows: pd.DataFrame
    held: pd.DataFrame
    eligible: dict[str, int]
    booked: dict[str, int] | None
    capacity: int

    def view(self, name: str) -> pd.DataFrame:
        """Return the listed rows with a reason on list ``name``, in priority order."""
        has = self.rows["lists"].str.split(";").map(lambda xs: name in xs)
        return self.rows[has.to_numpy(dtype=bool)].reset_index(drop=True)

    def runs(self) -> pd.DataFrame:
        """Return the run record: every listed and held-back patient with their arm."""
        listed = self.rows[["patient_key", "list", "priority", "due_date"]].assign(arm="listed")
        held = self.held[["patient_key", "list", "priority", "due_date"]].assign(arm="held")
        out = pd.concat([listed, held], ignore_index=True)
        out.insert(0, "run_date", self.day)
        return out.sort_values("priority", kind="stable", ignore_index=True)

    def to_metrics(self) -> dict[str, Any]:
        """Return counts per list as plain JSON-ready values.

        ``listed`` counts the worklist's patients with a reason on the list (the rows of
        its sheet), so a patient with two reasons counts on both lists.
        """
        reasons = self.rows["lists"].astype("string").str.split(";").explode()
        listed = reasons.value_counts()
        held = self.held["list"].value_counts()
        return {
            "day": f"{self.day:%Y-%m-%d}",
            "capacity": self.capacity,
            "listed": int(len(self.rows)),
            "lists": {
                k: {
                    "eligible": int(self.eligible.get(k, 0)),
                    "listed": int(listed.get(k, 0)),
                    "held_back": int(held.get(k, 0)),
                    "booked_left_off": None if self.booked is None else int(self.booked.get(k, 0)),
                }
                for k in WORKLISTS
            },
        }


def held_back(keys: pd.Series, lists: pd.Series, profile: ClinicProfile) -> np.ndarray:
    """Return whether each (pseudonymous key, list) is held back as a control.

    The share ``actions.holdout_share`` of each list in ``actions.holdout_lists`` is held
    back, picked by a BLAKE2b hash of ``seed|list|key`` read as a number in [0, 1).
    """
    share = profile.actions.holdout_share
    holdable = set(profile.actions.holdout_lists)
    out = np.zeros(len(keys), dtype=bool)
    if share <= 0 or not len(keys):
        return out
    seed = profile.actions.holdout_seed
    for i, (key, name) in enumerate(zip(keys.astype(str), lists.astype(str), strict=True)):
        if name in holdable:
            digest = hashlib.blake2b(f"{seed}|{name}|{key}".encode(), digest_size=8).digest()
            out[i] = int.from_bytes(digest, "big") / 2**64 < share
    return out


def build_worklist(
    tasks: dict[str, pd.DataFrame],
    summary: pd.DataFrame,
    day: pd.Timestamp | str,
    profile: ClinicProfile,
    *,
    patients: pd.DataFrame | None = None,
    value: pd.Series | None = None,
    booked: pd.Index | None = None,
    calls: pd.DataFrame | None = None,
    weekday: pd.Series | None = None,
    capacity: int | None = None,
) -> Worklist:
    """Merge the day's task frames into one ranked worklist (see the module notes).

    Parameters
    ----------
    tasks
        List name (:data:`~clinicvalue.profile.WORKLISTS`) → rows with ``patient_id``,
        ``task``, ``due_date``, ``reason``, optional ``script``, ``overdue_days``
        (recalls) and ``appointment_time`` (reminders).
    summary
        The per-patient summary (``last_visit``, ``total_spend``).
    day
        The day the worklist is for.
    profile
        ``actions`` (capacity, hold-back, retry), ``privacy`` (contact details).
    patients
        Canonical patients (``contact_ok``, ``name``, ``phone``).
    value
        Value at stake per ``patient_id`` (lifetime value); spend to date otherwise.
    booked
        ``patient_id`` of patients with a booking (``None``: no appointment book).
    calls
        Outcomes read back from earlier worklists (``patient_key, list, outcome,
        outcome_date``), for "do not contact" and the retry rule.
    weekday
        Each patient's most usual visit weekday (0 = Monday).
    capacity
        Rows to keep (default ``actions.daily_capacity``).
    """
    day = pd.Timestamp(day).normalize()
    cap = profile.actions.daily_capacity if capacity is None else int(capacity)
    secret = pseudonym_secret(profile)
    parts = []
    for name in WORKLISTS:
        frame = tasks.get(name)
        if frame is None or frame.empty:
            continue
        part = frame.copy()
        part["patient_id"] = part["patient_id"].astype("string")
        part["list"] = name
        tier = pd.Series(URGENCY[name], index=part.index, dtype="int64")
        if name == "followups":  # a week or a month after: as urgent as a recall due
            hours = part["task"].astype(str).str.extract(r"(\d+)h", expand=False).astype(float)
            tier = tier.where(~(hours > 48).to_numpy(), URGENCY["recalls_due"])
        if name == "recalls_due" and "overdue_days" in part:
            late = part["overdue_days"].astype("float64") > profile.actions.recall_grace_days
            tier = tier.where(~late.to_numpy(), _LONG_OVERDUE)
        part["tier"] = tier
        parts.append(part)
    columns = ["patient_id", "task", "due_date", "reason", "script", "list", "tier"]
    extra = ["appointment_time"]
    rows = (
        pd.concat([p.reindex(columns=columns + extra) for p in parts], ignore_index=True)
        if parts
        else pd.DataFrame(columns=columns + extra)
    )
    rows["patient_id"] = rows["patient_id"].astype("string")
    rows["due_date"] = pd.to_datetime(rows["due_date"])
    # keys are hashed where they are read: here only to match earlier calls; otherwise
    # down the ranking, as far as the capacity reaches (a clinic's lists can hold most
    # of its patients)
    if calls is not None and len(calls):
        rows["patient_key"] = pseudonymize(rows["patient_id"], secret)

    # 1. who may not be called, on which list
    drop = np.zeros(len(rows), dtype=bool)
    if patients is not None and "contact_ok" in patients.columns:
        refused = patients.loc[~patients["contact_ok"].astype(bool), "patient_id"]
        drop |= ids_in(rows["patient_id"], refused)
    if calls is not None and len(calls):
        outcome = calls["outcome"].astype("string")
        never = calls.loc[outcome.eq("do_not_contact").fillna(False), "patient_key"]
        drop |= ids_in(rows["patient_key"], never)
        recent = calls[
            outcome.notna().to_numpy()
            & outcome.ne("call_back").fillna(True).to_numpy()
            & (
                pd.to_datetime(calls["outcome_date"])
                > day - pd.Timedelta(days=profile.actions.retry_days)
            ).to_numpy()
        ]
        pairs = pd.MultiIndex.from_frame(recent[["patient_key", "list"]].astype("string"))
        drop |= pd.MultiIndex.from_frame(rows[["patient_key", "list"]].astype("string")).isin(pairs)
    rows = rows[~drop]
    booked_counts: dict[str, int] | None = None
    if booked is not None:
        is_booked = ids_in(rows["patient_id"], booked) & ids_in(rows["list"], _BOOKED_OFF)
        counted = rows.loc[is_booked, "list"].value_counts()
        booked_counts = {k: int(counted.get(k, 0)) for k in _BOOKED_OFF}
        rows = rows[~is_booked]
    # patients per list: count the distinct (patient, list) pairs, not copy the rows
    first_of_pair = ~rows[["patient_id", "list"]].duplicated().to_numpy()
    eligible = {k: int(v) for k, v in rows["list"][first_of_pair].value_counts().items()}

    # 2. one row per patient, every reason, the most urgent first
    last = summary["last_visit"].set_axis(summary.index.astype("string"))
    worth = (value if value is not None else summary["total_spend"]).astype("float64")
    worth = worth.set_axis(worth.index.astype("string"))
    rows = rows.assign(value=values_for(worth, rows["patient_id"], "float64"))
    # the ranking is worked out on its three keys alone and rows are taken in its order
    # only where needed: sorting the whole frame, then dropping repeats, copied every
    # reason and script of a large clinic's lists twice (about 130 MB each time at a
    # million patients)
    keys = rows[["tier", "value", "due_date"]].reset_index(drop=True)
    ranked = keys.sort_values(
        ["tier", "value", "due_date"], ascending=[True, False, True], kind="stable",
        na_position="last",
    ).index.to_numpy()  # fmt: skip
    ranked_ids = rows["patient_id"].take(ranked)
    merged = rows.take(ranked[~ranked_ids.duplicated().to_numpy()]).reset_index(drop=True)

    # 3-5. hold back, then cut to capacity
    merged["priority"] = np.arange(1, len(merged) + 1)
    hold = _hold_in_rank_order(merged, cap, profile, secret)
    listed = ~hold & (np.cumsum(~hold) <= cap)
    within = np.ones(len(merged), dtype=bool)
    if listed.sum() >= cap:  # the cut fell inside the list: the control stops there too
        within = merged["priority"].to_numpy() <= int(merged["priority"][listed].max())
    held = merged.loc[hold & within, ["patient_id", "patient_key", "list", "priority", "due_date"]]
    out = merged.loc[listed, ["patient_id", "patient_key", "list", "script", "due_date",
                              "appointment_time", "value"]].reset_index(drop=True)  # fmt: skip
    # every reason of the listed patients (the capacity keeps this small)
    mine = rows.take(ranked[ids_in(ranked_ids, out["patient_id"])])
    mine = mine.groupby("patient_id", sort=False)
    joined = pd.DataFrame(
        {
            "lists": mine["list"].agg(lambda s: ";".join(dict.fromkeys(s))),
            "tasks": mine["task"].agg(lambda s: ";".join(dict.fromkeys(s.astype(str)))),
            "reason": mine["reason"].agg(
                lambda s: "; ".join(dict.fromkeys(s.dropna().astype(str)))
            ),
        }
    )
    out = out.join(joined, on="patient_id")
    out["priority"] = np.arange(1, len(out) + 1)
    out["last_visit"] = out["patient_id"].map(last).to_numpy()
    out["visit_weekday"] = (
        out["patient_id"].map(weekday).astype("Int64") if weekday is not None else pd.NA
    )
    _contact_details(out, patients, profile)
    return Worklist(
        day=day,
        rows=out,
        held=held.reset_index(drop=True),
        eligible=eligible,
        booked=booked_counts,
        capacity=cap,
    )


def _hold_in_rank_order(
    merged: pd.DataFrame, cap: int, profile: ClinicProfile, secret: bytes
) -> np.ndarray:
    """Return :func:`held_back` down the ranking, as far as it takes to fill ``cap`` calls.

    Rows below the last one needed are neither listed nor held, so only the rows above
    it are hashed: their ``patient_key`` is set here when ``merged`` has none yet (rows
    never reached keep a missing key).
    """
    n = len(merged)
    hold = np.zeros(n, dtype=bool)
    keyed = "patient_key" in merged
    keys = np.full(n, None, dtype=object)
    done, size = 0, max(4 * cap, 1000)
    while done < n:
        hi = min(n, done + size)
        part = (
            merged["patient_key"].iloc[done:hi]
            if keyed
            else pseudonymize(merged["patient_id"].iloc[done:hi], secret)
        )
        if not keyed:
            keys[done:hi] = part.to_numpy(dtype=object, na_value=None)
        hold[done:hi] = held_back(part, merged["list"].iloc[done:hi], profile)
        done, size = hi, 2 * size
        if int((~hold[:done]).sum()) >= cap:
            break
    if not keyed:
        merged["patient_key"] = pd.array(keys, dtype="string")
    return hold


def _contact_details(
    out: pd.DataFrame, patients: pd.DataFrame | None, profile: ClinicProfile
) -> None:
    """Add ``name`` and ``phone`` in place, only where the patient and profile allow it."""
    allowed = contact_allowed(patients, profile)
    if patients is None or not bool(allowed.any()):
        return
    ok = allowed.reindex(pd.Index(out["patient_id"])).to_numpy(dtype=bool, na_value=False)
    info = patients.set_index(patients["patient_id"].astype("string"))
    for col in ("name", "phone"):
        if col in info.columns:
            values = out["patient_id"].map(info[col]).astype("string")
            out[col] = values.where(ok, pd.NA).to_numpy()
