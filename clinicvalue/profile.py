"""The clinic profile: every threshold the kit uses, with the source articles' defaults.

A profile is a TOML file of sections; any key left out keeps its default, an unknown
key or a value of the wrong type is a :class:`~clinicvalue.errors.ProfileError`.
``clinicvalue profile --init clinic.toml`` writes the defaults with comments.
Article numbers (000 … 004) refer to the source articles described in the domain notes.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
import types
import typing
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clinicvalue.errors import InputError, ProfileError
from clinicvalue.names import check_clinic_id

__all__ = [
    "ClinicProfile",
    "ClinicSection",
    "RfmSection",
    "ActivitySection",
    "TreatmentSection",
    "InterruptedSection",
    "ChurnSection",
    "CareSection",
    "MembershipSection",
    "ReferralSection",
    "ClvSection",
    "EconomicsSection",
    "PrivacySection",
    "ReportSection",
    "LoadSection",
    "load_profile",
    "default_profile_toml",
    "check_printable",
]


@dataclass(frozen=True)
class ClinicSection:
    """Who the clinic is and how its money is shown."""

    name: str = "Demo Clinic"  # shown on the report cover
    id: str = "demo"  # folder name under reports/
    prepared_by: str = ""  # consultant or firm named as the PDF's author; empty = the clinic
    currency: str = "TWD"  # ISO 4217: TWD (NT$) or CNY (¥) …
    locale: str = "zh-Hant"  # en, zh-Hant or zh-Hans
    kind: str = "dental"  # dental or general
    gross_margin: float = 0.6  # share of revenue kept as profit (000's example assumes 1.0)


@dataclass(frozen=True)
class LoadSection:
    """How exports are read."""

    drop_invalid: bool = False  # skip bad rows (listed in data_quality.csv) instead of failing
    encoding: str = ""  # force an encoding (utf-8, big5, gb18030 …); empty = detect
    date_format: str = ""  # strptime format for every date, e.g. %d/%m/%y; empty = detect
    decimal: str = "auto"  # decimal mark of amounts: ".", "," or auto (per column)
    satisfaction_scale: int = 0  # top of the satisfaction scale: 5, 10 or 100; 0 = detect
    not_visit_statuses: list[str] = field(default_factory=lambda: ["no-show", "cancelled"])
    # the clinic's own visit-status words → completed, consult, no-show or cancelled
    status_words: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RfmSection:
    """RFM scoring and the eight segments (002) and five value tiers (000)."""

    # F = visits per year and M = spend, over this many months before the date;
    # 0 = the patient's whole history (002: 一年就诊几次, 累计花费)
    lookback_months: int = 0
    monetary: str = "cumulative"  # M is cumulative spend, or "per_year" (spend per year)
    split: str = "mean"  # high/low per dimension: mean, median or score
    score_cutoff: int = 3  # with split = "score": a score >= this is high
    self_pay_only: bool = False  # leave insurer-paid amounts (e.g. NHI share) out of M
    tier_high_score: int = 4  # value tiers (000): scores >= this are high
    tier_low_score: int = 2  # scores <= this are low; between is mid


@dataclass(frozen=True)
class ActivitySection:
    """Activity layers (004) and the owner's "active patient" KPI."""

    active_months: int = 6  # 004: active = a visit within this many months
    dormant_months: int = 12  # 004: dormant = no visit for more than this many months
    kpi_active_months: int = 18  # dental dashboards: active = completed visit within 18 months


@dataclass(frozen=True)
class TreatmentSection:
    """Treatment names → categories, and which categories are high value (004)."""

    # keyword (matched case-insensitively inside the treatment text) → category key
    categories: dict[str, str] = field(
        default_factory=lambda: {
            "implant": "implant",
            "植牙": "implant",
            "植體": "implant",
            "种植": "implant",
            "種植": "implant",
            "ortho": "orthodontics",
            "矯正": "orthodontics",
            "矫正": "orthodontics",
            "正畸": "orthodontics",
            "crown": "crown",
            "全瓷冠": "crown",
            "牙冠": "crown",
            "veneer": "crown",
            "root canal": "root_canal",
            "根管": "root_canal",
            "filling": "filling",
            "補牙": "filling",
            "补牙": "filling",
            "cleaning": "cleaning",
            "scaling": "cleaning",
            "洗牙": "cleaning",
            "洁牙": "cleaning",
            "潔牙": "cleaning",
            "extraction": "extraction",
            "拔牙": "extraction",
            "whitening": "whitening",
            "美白": "whitening",
            "check": "checkup",
            "檢查": "checkup",
            "检查": "checkup",
            "consult": "consult",
            "諮詢": "consult",
            "咨询": "consult",
        }
    )
    high_value: list[str] = field(
        default_factory=lambda: ["implant", "orthodontics", "crown", "whitening"]
    )


@dataclass(frozen=True)
class InterruptedSection:
    """Waits before a registered patient counts as interrupted (003), in months."""

    consult_only_months: int = 1  # came in, nothing accepted → sleeping
    chief_done_rest_planned_months: int = 1  # chief complaint treated, other items not started
    partly_done_months: int = 3  # other planned items partly done
    all_done_months: int = 6  # everything done, no prevention recall


@dataclass(frozen=True)
class ChurnSection:
    """Churn early-warning signals (002)."""

    satisfaction_below: float = 80.0  # post-visit score below this (of 100) is a signal
    complaint_days: int = 90  # a complaint within this many days is a signal
    spend_window_months: int = 6  # spend decline: last N months vs the N before
    spend_decline_threshold: float = 0.5  # flagged when spend fell by more than this share
    min_visits_own_interval: int = 3  # else use the patient's own median interval
    own_interval_factor: float = 1.5  # overdue when gap > factor × own median interval
    # condition → [min, max] normal interval in days (002: hypertension 1–2 months …)
    condition_intervals: dict[str, list[int]] = field(
        default_factory=lambda: {
            "hypertension": [30, 60],
            "diabetes": [60, 90],
            "hyperlipidemia": [90, 180],
        }
    )
    # treatment category → normal interval in days
    treatment_intervals: dict[str, int] = field(
        default_factory=lambda: {"cleaning": 180, "orthodontics": 60, "implant": 365}
    )


@dataclass(frozen=True)
class CareSection:
    """Care schedule: reminders, follow-ups, recalls and greetings (004, 000)."""

    # treatment category → recall offsets in days after the treatment
    recalls: dict[str, list[int]] = field(
        default_factory=lambda: {
            "cleaning": [182],
            "implant": [365, 730, 1095],
            "orthodontics": [42],
        }
    )
    reminder_days_before: list[int] = field(default_factory=lambda: [14, 7])
    followup_hours: list[int] = field(default_factory=lambda: [24, 48, 168, 720])
    # treatment categories that need no follow-up call (routine visits)
    followup_skip: list[str] = field(default_factory=lambda: ["cleaning", "checkup", "consult"])
    due_within_days: int = 30  # recalls due in the next N days
    birthday_within_days: int = 31  # birthdays in the coming N days
    reactivation_min_months: int = 12  # dormant high-value patients not seen for this long


#: The front desk's call lists, in sheet order (their task codes in :mod:`~.care.schedule`).
WORKLISTS = (
    "followups",
    "reminders",
    "recalls_due",
    "churn_warnings",
    "reactivation",
    "birthdays",
    "vip_referrers",
)
#: Lists that may hold patients back as a control group (follow-ups and reminders are care).
HOLDABLE = ("recalls_due", "churn_warnings", "reactivation", "birthdays", "vip_referrers")


@dataclass(frozen=True)
class ActionsSection:
    """The front desk's daily worklist: capacity, held-back control groups, outcomes."""

    daily_capacity: int = 40  # calls one person makes in a working day
    recall_grace_days: int = 30  # recalls overdue up to this long rank as due soon
    # share of each list held back (not called) to measure the calls' effect; 0 = off
    holdout_share: float = 0.10
    # lists that hold patients back; follow-ups and reminders never do (they are care)
    holdout_lists: list[str] = field(
        default_factory=lambda: ["recalls_due", "churn_warnings", "reactivation", "birthdays"]
    )
    holdout_seed: str = "clinicvalue"  # seeds the hash that picks who is held back
    effect_days: int = 90  # a call's effect: return and revenue over this many days
    min_effect: float = 0.05  # smallest change in return rate worth detecting
    retry_days: int = 30  # a patient with an outcome recorded is not called again sooner
    call_hours: str = "10:00-12:00, 14:00-17:00"  # when the front desk calls


@dataclass(frozen=True)
class MembershipSection:
    """Membership tiers and points (000, 001, 002)."""

    scheme: str = "three"  # three (000) or four (001)
    # 000 (annual spend, clinic currency): 璀璨 ≥ 100,000; 菁英 ≥ 50,000; 基礎 from first purchase
    three_thresholds: dict[str, float] = field(
        default_factory=lambda: {"brilliant": 100000.0, "elite": 50000.0, "basic": 0.0}
    )
    # 001: general / silver / gold / platinum by cumulative spend, visits per year, referrals
    four_spend: dict[str, float] = field(
        default_factory=lambda: {"platinum": 200000.0, "gold": 80000.0, "silver": 20000.0}
    )
    four_visits_per_year: dict[str, int] = field(
        default_factory=lambda: {"platinum": 8, "gold": 5, "silver": 3}
    )
    four_referrals: dict[str, int] = field(
        default_factory=lambda: {"platinum": 3, "gold": 2, "silver": 1}
    )
    points_per_return_visit: int = 100  # 002
    points_per_currency_unit: float = 0.0  # points per unit of spend (001); 0 = off
    points_per_referral: int = 0  # points per referred new patient (001); 0 = off
    # 002: 1,000 points → free health assessment; 2,000 → half-price check-up
    redemptions: dict[str, int] = field(
        default_factory=lambda: {"free_assessment": 1000, "half_price_checkup": 2000}
    )


@dataclass(frozen=True)
class ReferralSection:
    """Referral tracking (000, 003)."""

    key_referrer_min: int = 2  # referrers with at least this many referrals are key


@dataclass(frozen=True)
class ClvSection:
    """Lifetime value: a visit model chosen by holdout, with Gamma-Gamma spend."""

    # auto: BG/NBD, Pareto/NBD or MBG/CNBD-k, whichever forecasts a held-out year best
    # (BG/NBD unless another is 2% better, beyond two standard errors); or name one of
    # them (bgnbd, pareto_nbd, mbg_cnbd_k) to force it
    model: str = "auto"
    # the model choice holds out a year, so a six-monthly recall is seen twice
    model_holdout_months: int = 12
    time_unit: str = "W"  # D, W or M for frequency/recency/T
    penalizer: float = 0.0  # BG/NBD and Gamma-Gamma L2 penalizer
    # lifetime value = expected gross margin over this horizon, discounted (3 years)
    horizon_months: int = 36
    annual_discount_rate: float = 0.10  # discount rate for CLV
    holdout_months: int = 6  # validation: last N months are the holdout
    gg_correlation_warning: float = 0.3  # warn when corr(visits, mean spend) exceeds this
    regularity_warning: float = 2.0  # warn when Wheat–Morrison shape k is above this
    bootstrap_draws: int = 200  # parameter draws for CLV intervals
    min_patients: int = 100  # fewer patients: no lifetime-value model, a note instead
    min_repeat_patients: int = 30  # fewer repeat patients: no Gamma-Gamma, average spend
    # a parameter whose 95% interval spans more than this factor (upper ÷ lower) is not
    # determined by the data: the model is flagged and no interval is shown
    max_interval_factor: float = 100.0
    seed: int = 20050101  # seed for the draws, so reports are reproducible


@dataclass(frozen=True)
class EconomicsSection:
    """Acquisition vs retention economics (000, 002, 003)."""

    returned_within_days: int = 180  # drivers of return: outcome window
    drivers_min_patients: int = 30  # fewer eligible patients: no drivers model
    drivers_min_events: int = 10  # fewer who returned (or who did not): no drivers model
    min_ltv_cac: float = 3.0  # advice: review a channel whose LTV:CAC is below this
    revisit_drop_points: float = 0.03  # advice: a 90-day revisit rate this far below last year's
    uplift_points: list[float] = field(default_factory=lambda: [0.01, 0.05, 0.10])
    acquisition_purposes: list[str] = field(default_factory=lambda: ["acquisition"])
    retention_purposes: list[str] = field(default_factory=lambda: ["retention"])


@dataclass(frozen=True)
class ReportSection:
    """The monthly report: when data count as complete for the month."""

    stale_after_days: int = 7  # data ending more days than this before the month's end are stale
    deck: bool = True  # also write deck.pptx, the slides for the owner meeting
    # font of the deck's text, e.g. "Microsoft JhengHei"; empty = the usual font for the locale
    deck_font: str = ""


@dataclass(frozen=True)
class PrivacySection:
    """What leaves the clinic: pseudonymous keys everywhere, contact details only for staff."""

    show_contact_details: bool = False  # names/phones in actions.xlsx (contact_ok patients only)
    contact_ok_default: bool = False  # when the patients file has no contact_ok column
    secret_env: str = "CLINICVALUE_SECRET"  # variable holding the per-clinic pseudonym key


@dataclass(frozen=True)
class ClinicProfile:
    """Every threshold for one clinic; defaults follow the source articles."""

    clinic: ClinicSection = field(default_factory=ClinicSection)
    load: LoadSection = field(default_factory=LoadSection)
    rfm: RfmSection = field(default_factory=RfmSection)
    activity: ActivitySection = field(default_factory=ActivitySection)
    treatment: TreatmentSection = field(default_factory=TreatmentSection)
    interrupted: InterruptedSection = field(default_factory=InterruptedSection)
    churn: ChurnSection = field(default_factory=ChurnSection)
    care: CareSection = field(default_factory=CareSection)
    actions: ActionsSection = field(default_factory=ActionsSection)
    membership: MembershipSection = field(default_factory=MembershipSection)
    referral: ReferralSection = field(default_factory=ReferralSection)
    clv: ClvSection = field(default_factory=ClvSection)
    economics: EconomicsSection = field(default_factory=EconomicsSection)
    privacy: PrivacySection = field(default_factory=PrivacySection)
    report: ReportSection = field(default_factory=ReportSection)
    # KPI key → target value shown on the executive summary (e.g. revisit_rate_90d = 0.5)
    targets: dict[str, float] = field(default_factory=dict)
    # KPI key → an outside benchmark, drawn as a reference line beside the clinic's value
    benchmarks: dict[str, float] = field(default_factory=dict)
    # KPI key → where each benchmark comes from (required for every benchmark)
    benchmark_sources: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_toml(cls, path: str | Path) -> ClinicProfile:
        """Read a profile from a TOML file; missing keys keep their defaults."""
        return load_profile(path)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "profile") -> ClinicProfile:
        """Build a profile from nested dicts, refusing unknown keys and wrong types."""
        return _build(cls, data, source, "")

    def replace(self, **sections: Any) -> ClinicProfile:
        """Return a copy with whole sections, or ``section__key`` values, replaced.

        Examples
        --------
        >>> ClinicProfile().replace(rfm__lookback_months=24).rfm.lookback_months
        24
        """
        updates: dict[str, Any] = {}
        for key, value in sections.items():
            if "__" in key:
                sec, sub = key.split("__", 1)
                current = updates.get(sec, getattr(self, sec))
                updates[sec] = dataclasses.replace(current, **{sub: value})
            else:
                updates[key] = value
        return dataclasses.replace(self, **updates)

    def to_dict(self) -> dict[str, Any]:
        """Return the profile as plain nested dicts (for ``metrics.json``)."""
        return dataclasses.asdict(self)


def load_profile(path: str | Path | None) -> ClinicProfile:
    """Read a clinic profile; ``None`` gives the defaults.

    Raises
    ------
    ProfileError
        When the file is missing, is not valid TOML, has an unknown key or a wrong type.
    """
    if path is None:
        return ClinicProfile()
    p = Path(path)
    if not p.is_file():
        raise ProfileError(f"{p}: profile file not found")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ProfileError(f"{p}: profile must be UTF-8 text ({exc.reason})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{p}: not valid TOML: {exc}") from exc
    return _build(ClinicProfile, data, str(p), "")


def _type_ok(value: Any, tp: Any) -> bool:
    origin = typing.get_origin(tp)
    if tp is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is bool:
        return isinstance(value, bool)
    if tp is str:
        return isinstance(value, str)
    if origin is list:
        (item,) = typing.get_args(tp)
        return isinstance(value, list) and all(_type_ok(v, item) for v in value)
    if origin is dict:
        _, val = typing.get_args(tp)
        return isinstance(value, dict) and all(_type_ok(v, val) for v in value.values())
    if origin in (typing.Union, types.UnionType):
        return any(_type_ok(value, a) for a in typing.get_args(tp))
    return True


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is list:
        return f"a list of {_type_name(typing.get_args(tp)[0])}"
    if origin is dict:
        return f"a table of {_type_name(typing.get_args(tp)[1])}"
    return {float: "a number", int: "a whole number", bool: "true or false", str: "text"}.get(
        tp, str(tp)
    )


def _build(cls: Any, data: Any, source: str, prefix: str) -> Any:
    if not isinstance(data, dict):
        raise ProfileError(f"{source}: [{prefix.rstrip('.')}] must be a table")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        where = f"{prefix}{key}"
        if where in _RENAMED:
            raise ProfileError(f"{source}: '{where}' is no longer used; {_RENAMED[where]}")
        if key not in names:
            allowed = ", ".join(sorted(names))
            raise ProfileError(f"{source}: unknown key '{where}'; allowed here: {allowed}")
        tp = hints[key]
        if dataclasses.is_dataclass(tp):
            kwargs[key] = _build(tp, value, source, f"{where}.")
            continue
        if not _type_ok(value, tp):
            raise ProfileError(f"{source}: '{where}' must be {_type_name(tp)}; got {value!r}")
        if tp is float:
            value = float(value)
        elif typing.get_origin(tp) is dict and typing.get_args(tp)[1] is float:
            value = {k: float(v) for k, v in value.items()}
        elif typing.get_origin(tp) is list and typing.get_args(tp)[0] is float:
            value = [float(v) for v in value]
        kwargs[key] = value
    obj = cls(**kwargs)
    _check_values(obj, source)
    return obj


#: settings that changed meaning: what to write instead
_RENAMED = {
    "rfm.window_months": (
        "F and M now count the patient's history, F as visits per year; set "
        "'rfm.lookback_months' (0 = the whole history, the default) to limit it"
    ),
}

_CHOICES = {
    ("ClinicSection", "locale"): ("en", "zh-Hant", "zh-Hans"),
    ("ClinicSection", "kind"): ("dental", "general"),
    ("LoadSection", "decimal"): (".", ",", "auto"),
    ("LoadSection", "satisfaction_scale"): (0, 5, 10, 100),
    ("RfmSection", "split"): ("mean", "median", "score"),
    ("RfmSection", "monetary"): ("cumulative", "per_year"),
    ("ClvSection", "time_unit"): ("D", "W", "M"),
    ("ClvSection", "model"): ("auto", "bgnbd", "pareto_nbd", "mbg_cnbd_k"),
    ("MembershipSection", "scheme"): ("three", "four"),
}


#: Numbers that must be above zero (a zero would divide by zero, empty a window or turn a
#: list off silently). Every other number must be zero or more.
_POSITIVE = {
    "RfmSection": ("score_cutoff", "tier_high_score", "tier_low_score"),
    "ActivitySection": ("active_months", "dormant_months", "kpi_active_months"),
    "ChurnSection": (
        "spend_window_months",
        "min_visits_own_interval",
        "own_interval_factor",
        "condition_intervals",
        "treatment_intervals",
    ),
    "CareSection": (
        "recalls",
        "reminder_days_before",
        "followup_hours",
        "due_within_days",
        "birthday_within_days",
        "reactivation_min_months",
    ),
    "MembershipSection": ("four_spend", "four_visits_per_year", "four_referrals", "redemptions"),
    "ReferralSection": ("key_referrer_min",),
    "ActionsSection": ("daily_capacity", "effect_days", "min_effect"),
    "ClvSection": (
        "horizon_months",
        "holdout_months",
        "model_holdout_months",
        "bootstrap_draws",
        "min_patients",
        "max_interval_factor",
    ),
    "EconomicsSection": (
        "returned_within_days",
        "uplift_points",
        "drivers_min_patients",
        "drivers_min_events",
    ),
}
#: Numbers that are shares of something: at most 1.
_SHARES = {
    "ChurnSection": ("spend_decline_threshold",),
    "ClvSection": ("annual_discount_rate",),
    "EconomicsSection": ("uplift_points", "revisit_drop_points"),
    "ActionsSection": ("holdout_share", "min_effect"),
}


def _numbers(value: Any) -> list[float]:
    """Return every number inside a setting (a number, a list, a table of either)."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, list):
        return [x for v in value for x in _numbers(v)]
    if isinstance(value, dict):
        return [x for v in value.values() for x in _numbers(v)]
    return []


def _check_numbers(obj: Any, source: str, section: str) -> None:
    name = type(obj).__name__
    for f in dataclasses.fields(obj):
        where = f"{section}.{f.name}"
        values = _numbers(getattr(obj, f.name))
        if any(not math.isfinite(v) for v in values):
            raise ProfileError(
                f"{source}: '{where}' must be a finite number; got {getattr(obj, f.name)!r}"
            )
        if f.name in _POSITIVE.get(name, ()) and any(v <= 0 for v in values):
            raise ProfileError(f"{source}: '{where}' must be above 0; got {getattr(obj, f.name)!r}")
        if any(v < 0 for v in values):
            raise ProfileError(
                f"{source}: '{where}' must not be negative; got {getattr(obj, f.name)!r}"
            )
        if f.name in _SHARES.get(name, ()) and any(v > 1 for v in values):
            raise ProfileError(
                f"{source}: '{where}' is a share and must be at most 1 (e.g. 0.1 for 10%); "
                f"got {getattr(obj, f.name)!r}"
            )


_SECTIONS = {
    "ClinicSection": "clinic",
    "LoadSection": "load",
    "RfmSection": "rfm",
    "ActivitySection": "activity",
    "TreatmentSection": "treatment",
    "InterruptedSection": "interrupted",
    "ChurnSection": "churn",
    "CareSection": "care",
    "ActionsSection": "actions",
    "MembershipSection": "membership",
    "ReferralSection": "referral",
    "ClvSection": "clv",
    "EconomicsSection": "economics",
    "PrivacySection": "privacy",
    "ReportSection": "report",
}


def _check_values(obj: Any, source: str) -> None:
    name = type(obj).__name__
    section = _SECTIONS.get(name)
    if section is None:
        return
    for (cls_name, key), allowed in _CHOICES.items():
        if cls_name == name and getattr(obj, key) not in allowed:
            shown = ", ".join(repr(a) for a in allowed)
            raise ProfileError(
                f"{source}: '{section}.{key}' must be one of {shown}; got {getattr(obj, key)!r}"
            )
    _check_numbers(obj, source, section)
    if name == "ClinicSection":
        _check_clinic(obj, source)
    if name == "LoadSection":
        allowed = ("completed", "consult", "no-show", "cancelled")
        for word, canon in obj.status_words.items():
            if canon not in allowed:
                raise ProfileError(
                    f"{source}: 'load.status_words' maps {word!r} to {canon!r}; map it to one "
                    f"of {', '.join(allowed)}"
                )
    if name == "ActionsSection":
        wrong = [x for x in obj.holdout_lists if x not in HOLDABLE]
        if wrong:
            raise ProfileError(
                f"{source}: 'actions.holdout_lists' names {', '.join(map(repr, wrong))}; "
                f"lists that can hold patients back: {', '.join(HOLDABLE)}"
            )
    if name == "RfmSection":
        for key in ("score_cutoff", "tier_high_score", "tier_low_score"):
            if not 1 <= getattr(obj, key) <= 5:
                raise ProfileError(
                    f"{source}: 'rfm.{key}' is an RFM score from 1 to 5; got {getattr(obj, key)}"
                )
    if name == "ActivitySection" and obj.active_months > obj.dormant_months:
        raise ProfileError(
            f"{source}: 'activity.active_months' ({obj.active_months}) must not exceed "
            f"'activity.dormant_months' ({obj.dormant_months})"
        )
    if name == "PrivacySection" and not (
        obj.secret_env.isidentifier() and obj.secret_env.isascii()
    ):
        raise ProfileError(
            f"{source}: 'privacy.secret_env' must be the name of an environment variable, "
            'e.g. "CLINICVALUE_SECRET" (never the secret itself)'
        )


def _check_clinic(obj: ClinicSection, source: str) -> None:
    from babel.numbers import list_currencies

    try:
        check_clinic_id(obj.id)
    except InputError as exc:
        raise ProfileError(f"{source}: {exc}") from None
    if obj.currency not in list_currencies():
        raise ProfileError(
            f"{source}: 'clinic.currency' must be an ISO 4217 code such as TWD, CNY, HKD or "
            f"USD; got {obj.currency!r}"
        )
    if not obj.name.strip() or len(obj.name) > 200:
        raise ProfileError(f"{source}: 'clinic.name' must be 1 to 200 characters")
    for key in ("name", "prepared_by"):
        check_printable(getattr(obj, key), f"{source}: 'clinic.{key}'")
    if not 0 < obj.gross_margin <= 1:
        raise ProfileError(
            f"{source}: 'clinic.gross_margin' must be in (0, 1]; got {obj.gross_margin}"
        )


def check_printable(text: str, where: str) -> None:
    """Refuse text holding a control character, which no report, sheet or slide can show.

    Raises
    ------
    ProfileError
        Naming ``where`` and the character's code point.
    """
    for c in text:
        if unicodedata.category(c) in ("Cc", "Cs") and c not in "\t":
            raise ProfileError(
                f"{where} holds the control character U+{ord(c):04X}; remove it (a report, a "
                "workbook or a slide cannot show it)"
            )


def default_profile_toml() -> str:
    """Return the default profile as commented TOML, for ``profile --init``."""
    import inspect

    lines = [
        "# clinicvalue clinic profile. Every key is optional: a key left out keeps the",
        "# default shown here. Article numbers refer to the source articles (000–004).",
        "",
    ]
    prof = ClinicProfile()
    for f in dataclasses.fields(prof):
        value = getattr(prof, f.name)
        if not dataclasses.is_dataclass(value):
            lines.append(f"[{f.name}]")
            lines.extend(f"# {line}" for line in _TOP_TABLES[f.name])
            lines.append("")
            continue
        doc = (type(value).__doc__ or "").strip().splitlines()[0]
        comments = _field_comments(inspect.getsource(type(value)))
        lines.append(f"# {doc}")
        lines.append(f"[{f.name}]")
        for sub in dataclasses.fields(value):
            v = getattr(value, sub.name)
            note = comments.get(sub.name)
            if isinstance(v, dict):
                continue
            text = f"{sub.name} = {_toml_value(v)}"
            lines.append(f"{text:<39} # {note}" if note else text)
        for sub in dataclasses.fields(value):
            v = getattr(value, sub.name)
            if isinstance(v, dict):
                note = comments.get(sub.name)
                if note:
                    lines.append(f"# {note}")
                lines.append(f"[{f.name}.{sub.name}]")
                for k, item in v.items():
                    lines.append(f"{_toml_key(k)} = {_toml_value(item)}")
        lines.append("")
    return "\n".join(lines)


#: what ``profile --init`` says about each top-level table of KPI keys
_TOP_TABLES = {
    "targets": ("KPI targets shown on the executive summary, e.g.", "revisit_rate_90d = 0.5"),
    "benchmarks": (
        "Outside benchmarks, drawn as a reference line beside the clinic's value, e.g.",
        "revisit_rate_90d = 0.6",
    ),
    "benchmark_sources": (
        "Where each benchmark comes from (one line per benchmark), e.g.",
        'revisit_rate_90d = "Regional dental survey 2025"',
    ),
}


def _field_comments(source: str) -> dict[str, str]:
    out: dict[str, str] = {}
    pending: list[str] = []
    for raw in source.splitlines():
        line = raw.strip()
        if line.startswith("#"):
            pending.append(line.lstrip("# "))
            continue
        if ":" in line and not line.startswith(("class", "@", '"""')):
            name = line.split(":", 1)[0].strip()
            if name.isidentifier():
                note = line.split("#", 1)[1].strip() if "  # " in line else ""
                out[name] = note or " ".join(pending)
        pending = []
    return out


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() and key.isascii() else f'"{key}"'


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return repr(v)
