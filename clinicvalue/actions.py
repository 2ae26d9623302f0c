"""Staff call lists for actions.xlsx: one frame per list, ready for the front desk.

Each list has one row per patient (the most urgent task wins), sorted by priority, cut to
``top_n``: ``key`` (pseudonymous), ``task``, ``reason`` and ``script`` in the locale,
``due_date``, ``last_visit``, ``priority`` (1 = call first) and, only where
:func:`clinicvalue.privacy.contact_allowed` says so, ``name`` and ``phone``. Patients
whose ``contact_ok`` is false are left off every list.
"""

from __future__ import annotations

import pandas as pd

from clinicvalue.errors import check_option
from clinicvalue.privacy import contact_allowed, pseudonym_secret, pseudonymize
from clinicvalue.profile import ClinicProfile

__all__ = ["LOCALES", "call_list"]

LOCALES = ("en", "zh-Hant", "zh-Hans")

_TEXT: dict[str, dict[str, tuple[str, str]]] = {
    # task prefix → locale → (reason, suggested script)
    "recall": {
        "en": ("recall due", "Remind of the check-up due and offer two time slots."),
        "zh-Hant": ("回診到期", "提醒回診時間已到，主動提供兩個可預約時段。"),
        "zh-Hans": ("回诊到期", "提醒回诊时间已到，主动提供两个可预约时段。"),
    },
    "followup": {
        "en": ("post-visit follow-up", "Ask how they feel since the visit and about any pain."),
        "zh-Hant": ("療後關懷", "詢問療後感受與是否疼痛不適。"),
        "zh-Hans": ("疗后关怀", "询问疗后感受与是否疼痛不适。"),
    },
    "birthday": {
        "en": ("birthday", "Send birthday wishes; no sales pitch."),
        "zh-Hant": ("生日", "送上生日祝福，不推銷。"),
        "zh-Hans": ("生日", "送上生日祝福，不推销。"),
    },
    "reactivate": {
        "en": ("not seen for a long time", "Invite back for a free check-up (old friends return)."),
        "zh-Hant": ("久未回診", "邀請回來做免費檢查（老朋友回歸）。"),
        "zh-Hans": ("久未回诊", "邀请回来做免费检查（老朋友回归）。"),
    },
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
        Rows with ``patient_id``, ``task`` and ``due_date`` (from :mod:`clinicvalue.care`);
        an optional ``priority_value`` column ranks ties (higher first).
    patients
        Canonical patients (``contact_ok``, ``name``, ``phone`` when present).
    profile
        The clinic profile (privacy settings, pseudonym secret).
    locale
        ``"en"``, ``"zh-Hant"`` or ``"zh-Hans"``.
    top_n
        Keep at most this many rows.
    last_visit
        Optional last visit date per patient (indexed by ``patient_id``).
    """
    check_option("locale", locale, LOCALES)
    t = tasks.copy()
    t["patient_id"] = t["patient_id"].astype("string")
    if patients is not None and "contact_ok" in patients.columns:
        refused = patients.loc[patients["contact_ok"].eq(False), "patient_id"].astype("string")
        t = t[~t["patient_id"].isin(refused)]
    if "priority_value" not in t.columns:
        t["priority_value"] = 0.0
    t = t.sort_values(["due_date", "priority_value"], ascending=[True, False], kind="stable")
    t = t.drop_duplicates("patient_id").head(top_n).reset_index(drop=True)
    prefix = t["task"].astype(str).str.split("_").str[0]
    out = pd.DataFrame(
        {
            "key": pseudonymize(t["patient_id"], pseudonym_secret(profile)),
            "task": t["task"].astype("string"),
            "reason": prefix.map({k: v[locale][0] for k, v in _TEXT.items()}).astype("string"),
            "script": prefix.map({k: v[locale][1] for k, v in _TEXT.items()}).astype("string"),
            "due_date": t["due_date"],
            "priority": pd.RangeIndex(1, len(t) + 1),
        }
    )
    if last_visit is not None:
        out["last_visit"] = t["patient_id"].map(last_visit).to_numpy()
    allowed = contact_allowed(patients, profile)
    if patients is not None and bool(allowed.any()):
        ok = t["patient_id"].map(allowed).fillna(False).astype(bool).to_numpy()
        info = patients.set_index(patients["patient_id"].astype("string"))
        for col in ("name", "phone"):
            if col in info.columns:
                values = t["patient_id"].map(info[col]).astype("string")
                out[col] = values.where(ok, pd.NA).to_numpy()
    return out
