"""Synthetic clinics: realistic, reproducible visit exports for demos, tests and benchmarks.

Everything is drawn with one ``numpy.random.Generator(seed)`` and vectorised over
patients, so a million patients take seconds to a few minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from clinicvalue.errors import InputError, check_option

__all__ = ["SyntheticClinic", "synthesize", "write_synthetic", "HEADERS"]

KINDS = ("dental", "general")
FORMATS = ("csv", "parquet", "xlsx")
HEADER_LANGS = ("en", "zh-Hant", "zh-Hans")

# channel: (share of new patients, acquisition cost per new patient, P(never returns))
CHANNELS = {
    "referral": (0.25, 300.0, 0.40),
    "walk_in": (0.25, 0.0, 0.60),
    "online_ads": (0.25, 1500.0, 0.70),
    "social": (0.15, 800.0, 0.65),
    "insurance_partner": (0.10, 500.0, 0.50),
}

# treatment: (weight, mean amount, department)
TREATMENTS = {
    "dental": {
        "exam": (30, 500.0, "general_dentistry"),
        "cleaning": (30, 800.0, "general_dentistry"),
        "filling": (15, 1500.0, "general_dentistry"),
        "extraction": (6, 2000.0, "oral_surgery"),
        "root_canal": (5, 6000.0, "endodontics"),
        "crown": (5, 15000.0, "prosthodontics"),
        "implant": (3, 60000.0, "implant"),
        "orthodontics": (3, 30000.0, "orthodontics"),
        "whitening": (3, 8000.0, "cosmetic"),
    },
    "general": {
        "consultation": (45, 150.0, "internal_medicine"),
        "blood_test": (15, 300.0, "laboratory"),
        "prescription": (20, 200.0, "internal_medicine"),
        "vaccination": (6, 400.0, "preventive"),
        "ultrasound": (5, 600.0, "imaging"),
        "health_check": (5, 2000.0, "preventive"),
        "physiotherapy": (4, 500.0, "rehabilitation"),
    },
}

CONDITIONS = {
    # condition: (share of patients, mean revisit interval in days)
    "dental": {
        "none": (0.55, 120.0),
        "recall": (0.35, 182.0),
        "orthodontic": (0.05, 30.0),
        "implant_maintenance": (0.05, 365.0),
    },
    "general": {"none": (0.70, 120.0), "hypertension": (0.18, 45.0), "diabetes": (0.12, 75.0)},
}

STATUS = np.array(["completed", "consult", "no-show", "cancelled"])
SURNAMES = np.array(list("陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周"))
GIVEN = np.array(list("志明怡君家豪雅婷俊宏淑芬建華美玲文傑佳蓉宗翰欣怡"))
COMPLAINTS = np.array(["wait_too_long", "billing", "pain_after_treatment", "staff_attitude"])

HEADERS: dict[str, dict[str, dict[str, str]]] = {
    "zh-Hant": {
        "visits": {
            "patient_id": "病歷號",
            "visit_date": "就診日期",
            "amount": "金額",
            "visit_id": "就診序號",
            "treatment": "治療項目",
            "doctor": "醫師",
            "department": "科別",
            "branch": "分院",
            "status": "狀態",
            "satisfaction": "滿意度",
            "complaint": "客訴",
            "insurer_amount": "健保給付",
        },
        "patients": {
            "patient_id": "病歷號",
            "name": "姓名",
            "phone": "電話",
            "birth_date": "生日",
            "sex": "性別",
            "channel": "來源",
            "referred_by": "介紹人",
            "condition": "病況",
            "contact_ok": "可聯絡",
            "first_visit": "初診日期",
        },
        "spend": {"month": "月份", "channel": "管道", "amount": "金額", "purpose": "用途"},
        "appointments": {
            "patient_id": "病歷號",
            "date": "預約日期",
            "time": "預約時間",
            "status": "預約狀態",
        },
        "plans": {
            "patient_id": "病歷號",
            "item": "項目",
            "is_chief_complaint": "主訴",
            "status": "狀態",
            "planned_date": "計畫日期",
            "done_date": "完成日期",
        },
    },
    "zh-Hans": {
        "visits": {
            "patient_id": "病历号",
            "visit_date": "就诊日期",
            "amount": "金额",
            "visit_id": "就诊序号",
            "treatment": "治疗项目",
            "doctor": "医生",
            "department": "科室",
            "branch": "门店",
            "status": "状态",
            "satisfaction": "满意度",
            "complaint": "投诉",
            "insurer_amount": "医保支付",
        },
        "patients": {
            "patient_id": "病历号",
            "name": "姓名",
            "phone": "电话",
            "birth_date": "出生日期",
            "sex": "性别",
            "channel": "来源渠道",
            "referred_by": "推荐人",
            "condition": "病症",
            "contact_ok": "同意联系",
            "first_visit": "首诊日期",
        },
        "spend": {"month": "月份", "channel": "渠道", "amount": "金额", "purpose": "用途"},
        "appointments": {
            "patient_id": "病历号",
            "date": "预约日期",
            "time": "预约时间",
            "status": "预约状态",
        },
        "plans": {
            "patient_id": "病历号",
            "item": "项目",
            "is_chief_complaint": "主诉",
            "status": "状态",
            "planned_date": "计划日期",
            "done_date": "完成日期",
        },
    },
}


@dataclass(frozen=True)
class SyntheticClinic:
    """Raw synthetic exports in canonical (line-item) columns."""

    kind: str
    visits: pd.DataFrame
    patients: pd.DataFrame
    spend: pd.DataFrame
    plans: pd.DataFrame
    appointments: pd.DataFrame = field(default_factory=lambda: _appointments_frame([], [], [], []))


def _pick(rng: np.random.Generator, table: dict, n: int, col: int = 0) -> np.ndarray:
    """Draw indices into ``table`` weighted by column ``col`` of its values."""
    keys = np.array(list(table))
    w = np.array([v[col] for v in table.values()], dtype=float)
    return rng.choice(len(keys), size=n, p=w / w.sum())


def _seasonal_days(
    rng: np.random.Generator, start: pd.Timestamp, n_days: int, n: int
) -> np.ndarray:
    days = pd.date_range(start, periods=n_days, freq="D")
    w = np.ones(n_days)
    w[days.month == 2] = 0.6  # Lunar New Year dip
    w[np.isin(days.month, (7, 8))] = 1.25  # summer bump
    w[days.day_of_week == 6] = 0.3  # Sundays quiet
    return rng.choice(n_days, size=n, p=w / w.sum())


def synthesize(
    kind: str = "dental",
    *,
    patients: int = 3000,
    seed: int = 0,
    start: str | pd.Timestamp = "2022-01-01",
    end: str | pd.Timestamp = "2026-10-31",
    rhythm: int = 12,
) -> SyntheticClinic:
    """Generate a synthetic clinic's visits, patients, marketing spend and plans.

    Parameters
    ----------
    kind
        ``"dental"`` or ``"general"``.
    patients
        Number of patients (each has at least one visit).
    seed
        Seed of the random generator; the same seed gives identical tables.
    start, end
        First and last possible visit day.
    rhythm
        How regularly recall and chronic-care patients come back: their times between
        visits are Erlang with this order (1 is memoryless, as BG/NBD assumes; 12, the
        default, is a cleaning every six months give or take a month; 100 is all but a
        fixed schedule). Other patients' gaps stay irregular (gamma shape 1.5).
    """
    check_option("kind", kind, KINDS)
    if int(rhythm) != rhythm or rhythm < 1:
        raise InputError(f"rhythm must be a whole number of at least 1; got {rhythm}")
    start_ts, end_ts = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    if end_ts <= start_ts or patients < 1:
        raise InputError(f"need end after start and patients >= 1 (got {start}..{end}, {patients})")
    rng = np.random.default_rng(seed)
    n = int(patients)
    n_days = (end_ts - start_ts).days + 1

    # patients: first visit, channel, condition, heterogeneous return behaviour
    first = np.sort(_seasonal_days(rng, start_ts, n_days, n))
    ch_idx = _pick(rng, CHANNELS, n)
    ch_names = np.array(list(CHANNELS))
    never = np.array([v[2] for v in CHANNELS.values()])[ch_idx]
    cond_tab = CONDITIONS[kind]
    cond_idx = _pick(rng, cond_tab, n)
    cond_names = np.array(list(cond_tab))
    interval = np.array([v[1] for v in cond_tab.values()])[cond_idx]
    chronic = cond_idx > 0
    never = np.where(chronic, 0.05, never)
    returns = rng.random(n) >= never
    # dropout: per-visit churn probability, gamma-heterogeneous lifetime visits
    p_drop = np.where(chronic, 0.03, rng.beta(2.0, 6.0, n))
    n_repeat = np.where(returns, rng.geometric(np.clip(p_drop, 0.01, 1.0)), 0)
    n_repeat = np.minimum(n_repeat, 200)
    own_scale = interval * rng.gamma(4.0, 0.25, n)

    # repeat visit days: cumulative gaps, vectorised via np.repeat + cumsum
    pid_rep = np.repeat(np.arange(n), n_repeat)
    shape = np.where(chronic, float(rhythm), 1.5)[pid_rep]
    gaps = rng.gamma(shape, own_scale[pid_rep] / shape)
    gaps = np.maximum(np.rint(gaps), 1.0)
    csum = np.cumsum(gaps)
    # subtract each patient's running total up to the previous patient
    before = np.concatenate([[0.0], csum])[np.cumsum(n_repeat) - n_repeat]
    offsets = np.repeat(before, n_repeat)
    day_rep = first[pid_rep] + (csum - offsets)
    keep = day_rep < n_days
    v_pid = np.concatenate([np.arange(n), pid_rep[keep]])
    v_day = np.concatenate([first, day_rep[keep]]).astype(np.int64)
    order = np.lexsort((v_day, v_pid))
    v_pid, v_day = v_pid[order], v_day[order]
    v_pid, v_day = _dedupe(v_pid, v_day)
    nv = len(v_pid)

    # lines: 1 + Poisson items per visit day
    n_items = 1 + rng.poisson(0.5 if kind == "dental" else 0.4, nv)
    l_visit = np.repeat(np.arange(nv), n_items)
    nl = len(l_visit)
    tr_tab = TREATMENTS[kind]
    tr_idx = _pick(rng, tr_tab, nl)
    tr_names = np.array(list(tr_tab))
    if kind == "dental":  # recall patients clean, orthodontic/implant patients keep their track
        vc = cond_names[cond_idx[v_pid[l_visit]]]
        first_line = np.r_[True, l_visit[1:] != l_visit[:-1]]
        repeat = v_day[l_visit] > first[v_pid[l_visit]]
        for cname, tname in (
            ("recall", "cleaning"),
            ("orthodontic", "orthodontics"),
            ("implant_maintenance", "exam"),
        ):
            hit = first_line & repeat & (vc == cname)
            tr_idx[hit] = np.flatnonzero(tr_names == tname)[0]
    mean_amt = np.array([v[1] for v in tr_tab.values()])[tr_idx]
    amount = np.round(mean_amt * rng.lognormal(0.0, 0.3, nl), 0)
    if kind == "dental":
        orth = tr_names[tr_idx] == "orthodontics"
        amount[orth & (v_day[l_visit] > first[v_pid[l_visit]])] = np.round(
            rng.uniform(1500, 3000, (orth & (v_day[l_visit] > first[v_pid[l_visit]])).sum())
        )
    insured = rng.random(nl) < (0.6 if kind == "general" else 0.4)
    insurer = np.where(insured, np.round(amount * 0.5), 0.0)
    # visit-level attributes
    u = rng.random(nv)
    v_status = np.where(u < 0.03, 2, np.where(u < 0.05, 3, np.where(u < 0.10, 1, 0)))
    refund = rng.random(nl) < 0.01
    amount = np.where(refund, -np.round(amount * 0.5), amount)
    st = v_status[l_visit]
    amount = np.where(st >= 2, 0.0, amount)
    insurer = np.where((st >= 2) | refund, 0.0, insurer)
    sat = np.clip(np.round(100 - rng.gamma(1.2, 8.0, nv)), 0, 100)
    has_sat = (rng.random(nv) < 0.7) & (v_status < 2)
    compl = (sat < 60) & (rng.random(nv) < 0.5) & has_sat
    n_doc = 6 if kind == "dental" else 8
    doc = rng.integers(1, n_doc + 1, n)  # patients mostly keep their doctor
    v_doc = np.where(rng.random(nv) < 0.85, doc[v_pid], rng.integers(1, n_doc + 1, nv))
    branch = np.array(["main", "east", "west"])[rng.choice(3, n, p=[0.5, 0.3, 0.2])]

    pid_str = _ids(n)
    dates = start_ts + pd.to_timedelta(v_day, unit="D")
    visits = pd.DataFrame(
        {
            "patient_id": pd.array(pid_str[v_pid[l_visit]], dtype="string"),
            "visit_date": pd.DatetimeIndex(dates[l_visit]).astype("datetime64[ns]"),
            "amount": amount.astype("float64"),
            "visit_id": pd.array(np.char.add("V", (l_visit + 1).astype(str)), dtype="string"),
            "treatment": pd.array(tr_names[tr_idx], dtype="string"),
            "doctor": pd.array(np.char.add("Dr. ", (v_doc[l_visit]).astype(str)), dtype="string"),
            "department": pd.array(
                np.array([v[2] for v in tr_tab.values()])[tr_idx], dtype="string"
            ),
            "branch": pd.array(branch[v_pid[l_visit]], dtype="string"),
            "status": pd.array(STATUS[st], dtype="string"),
            "satisfaction": pd.array(np.where(has_sat, sat, np.nan)[l_visit], dtype="Float64"),
            "complaint": pd.array(
                np.where(compl, COMPLAINTS[rng.integers(0, 4, nv)], None)[l_visit], dtype="string"
            ),
            "insurer_amount": insurer.astype("float64"),
        }
    )
    pats = _patients(
        rng, n, pid_str, first, start_ts, ch_idx, ch_names, cond_names[cond_idx], kind, n_repeat
    )
    spend = _spend(pats, start_ts, end_ts)
    plans = _plans(rng, pats, start_ts, n_days, first) if kind == "dental" else _empty_plans()
    book = _appointments(np.random.default_rng([seed, 17]), visits, end_ts)
    return SyntheticClinic(kind, visits, pats, spend, plans, book)


_SLOTS = np.array([f"{h:02d}:{m:02d}" for h in (9, 10, 11, 14, 15, 16, 17) for m in (0, 30)])


def _appointments_frame(pid: Any, day: Any, status: Any, slot: Any) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": pd.array(pid, dtype="string"),
            "date": pd.to_datetime(pd.Series(day, dtype="datetime64[ns]")),
            "time": pd.array(slot, dtype="string"),
            "status": pd.array(status, dtype="string"),
        }
    )


def _appointments(
    rng: np.random.Generator, visits: pd.DataFrame, end: pd.Timestamp
) -> pd.DataFrame:
    """Return the appointment book as the clinic exports it on ``end``.

    The last 90 days' attended visits were booked (completed), with a no-show or a
    cancellation beside some of them; about 40% of patients seen in the last year hold
    a booking in the next 60 days, more of those seen recently.
    """
    attended = visits.loc[visits["status"].eq("completed"), ["patient_id", "visit_date"]]
    attended = attended.drop_duplicates()
    recent = attended[attended["visit_date"] > end - pd.Timedelta(days=90)]
    n = len(recent)
    missed = rng.random(n)
    extra = recent[missed < 0.12]
    extra_status = np.where(missed[missed < 0.12] < 0.07, "no-show", "cancelled")
    extra_day = extra["visit_date"] - pd.to_timedelta(rng.integers(3, 30, len(extra)), unit="D")
    last = attended.groupby("patient_id")["visit_date"].max()
    seen = last[last > end - pd.Timedelta(days=365)]
    since = (end - seen).dt.days.to_numpy()
    chance = np.where(since < 60, 0.55, 0.3)
    pick = rng.random(len(seen)) < chance
    future_day = end + pd.to_timedelta(rng.integers(1, 61, int(pick.sum())), unit="D")
    future_status = np.where(rng.random(int(pick.sum())) < 0.5, "confirmed", "booked")
    book = pd.concat(
        [
            _appointments_frame(recent["patient_id"], recent["visit_date"], ["completed"] * n,
                                _SLOTS[rng.integers(0, len(_SLOTS), n)]),
            _appointments_frame(extra["patient_id"], extra_day, extra_status,
                                _SLOTS[rng.integers(0, len(_SLOTS), len(extra))]),
            _appointments_frame(seen.index[pick], future_day, future_status,
                                _SLOTS[rng.integers(0, len(_SLOTS), int(pick.sum()))]),
        ],
        ignore_index=True,
    )  # fmt: skip
    return book.sort_values(["patient_id", "date"], kind="stable", ignore_index=True)


def _dedupe(pid: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = np.r_[True, (pid[1:] != pid[:-1]) | (day[1:] != day[:-1])]
    return pid[keep], day[keep]


def _ids(n: int) -> np.ndarray:
    width = max(6, len(str(n)))
    return np.char.zfill(np.arange(1, n + 1).astype(str), width)


def _patients(rng, n, pid_str, first, start_ts, ch_idx, ch_names, conditions, kind, n_repeat):
    # referrals point at an earlier patient; heavy returners (VIPs) are chosen more often
    ref = ch_names[ch_idx] == "referral"
    rank = np.arange(n)
    weight = 1.0 + np.minimum(n_repeat, 20)
    cw = np.cumsum(weight)
    target = rng.random(n) * np.concatenate([[0.0], cw[:-1]])
    referrer = np.searchsorted(cw, target, side="right")
    valid = ref & (rank > 0) & (first[np.minimum(referrer, n - 1)] < first)
    referred_by = np.where(valid, pid_str[np.minimum(referrer, n - 1)], None)
    age = rng.integers(5 if kind == "dental" else 18, 85, n)
    birth = start_ts - pd.to_timedelta(age * 365 + rng.integers(0, 365, n), unit="D")
    names = np.char.add(
        np.char.add(
            SURNAMES[rng.integers(0, len(SURNAMES), n)], GIVEN[rng.integers(0, len(GIVEN), n)]
        ),
        GIVEN[rng.integers(0, len(GIVEN), n)],
    )
    digits = rng.integers(0, 10**8, n)
    if kind == "dental":
        phone = np.char.add("09", np.char.zfill(digits.astype(str), 8))
        phone = np.char.add(
            np.char.add(np.char.add(_sl(phone, 0, 4), "-"), np.char.add(_sl(phone, 4, 7), "-")),
            _sl(phone, 7, 10),
        )
    else:
        phone = np.char.add("139", np.char.zfill(digits.astype(str), 8))
    return pd.DataFrame(
        {
            "patient_id": pd.array(pid_str, dtype="string"),
            "name": pd.array(names, dtype="string"),
            "phone": pd.array(phone, dtype="string"),
            "birth_date": pd.DatetimeIndex(birth).astype("datetime64[ns]"),
            "sex": pd.array(np.array(["F", "M"])[rng.integers(0, 2, n)], dtype="string"),
            "channel": pd.array(ch_names[ch_idx], dtype="string"),
            "referred_by": pd.array(referred_by, dtype="string"),
            "condition": pd.array(np.where(conditions == "none", None, conditions), dtype="string"),
            "contact_ok": rng.random(n) < 0.9,
            "first_visit": pd.DatetimeIndex(start_ts + pd.to_timedelta(first, unit="D")).astype(
                "datetime64[ns]"
            ),
        }
    )


def _sl(a: np.ndarray, i: int, j: int) -> np.ndarray:
    return np.array(pd.Series(a).str.slice(i, j), dtype=str)


def _spend(pats: pd.DataFrame, start_ts: pd.Timestamp, end_ts: pd.Timestamp) -> pd.DataFrame:
    months = pd.date_range(start_ts.to_period("M").to_timestamp(), end_ts, freq="MS")
    new = (
        pats.assign(month=pats["first_visit"].dt.to_period("M").dt.to_timestamp())
        .groupby(["month", "channel"])
        .size()
        .reindex(
            pd.MultiIndex.from_product([months, list(CHANNELS)], names=["month", "channel"]),
            fill_value=0,
        )
        .rename("new")
        .reset_index()
    )
    cac = new["channel"].map({k: v[1] for k, v in CHANNELS.items()})
    acq = new.assign(amount=(new["new"] * cac).astype("float64"), purpose="acquisition")
    acq = acq[acq["amount"] > 0]
    ret = pd.DataFrame(
        {
            "month": months,
            "channel": "sms_recall",
            "amount": 2000.0 + 2.0 * len(pats) / 100,
            "purpose": "retention",
        }
    )
    out = pd.concat([acq[["month", "channel", "amount", "purpose"]], ret], ignore_index=True)
    out["month"] = out["month"].astype("datetime64[ns]")
    for c in ("channel", "purpose"):
        out[c] = out[c].astype("string")
    return out.sort_values(["month", "channel"], ignore_index=True)


def _plans(rng, pats, start_ts, n_days, first) -> pd.DataFrame:
    n = len(pats)
    has = rng.random(n) < 0.3
    idx = np.flatnonzero(has)
    k = 1 + rng.integers(1, 3, len(idx))  # chief complaint + 1..2 items
    p = np.repeat(idx, k)
    pos = np.arange(len(p)) - np.repeat(np.cumsum(k) - k, k)
    items = np.array(["filling", "root_canal", "crown", "implant", "orthodontics", "cleaning"])
    item = items[rng.integers(0, len(items), len(p))]
    chief = pos == 0
    # chief complaints are mostly done; other items are often left planned or started
    u = rng.random(len(p))
    status = np.where(
        chief,
        np.where(u < 0.75, 2, np.where(u < 0.9, 1, 0)),
        np.where(u < 0.4, 2, np.where(u < 0.6, 1, 0)),
    )
    planned = first[p] + rng.integers(0, 60, len(p))
    planned = np.minimum(planned, n_days - 1)
    done = np.minimum(planned + rng.integers(0, 90, len(p)), n_days - 1)
    dt = pd.DatetimeIndex(start_ts + pd.to_timedelta(planned, unit="D")).astype("datetime64[ns]")
    dd = pd.Series(start_ts + pd.to_timedelta(done, unit="D")).astype("datetime64[ns]")
    return pd.DataFrame(
        {
            "patient_id": pd.array(pats["patient_id"].to_numpy()[p], dtype="string"),
            "item": pd.array(item, dtype="string"),
            "is_chief_complaint": chief,
            "status": pd.array(np.array(["planned", "started", "done"])[status], dtype="string"),
            "planned_date": dt,
            "done_date": dd.where(status == 2),
        }
    )


def _empty_plans() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": pd.array([], dtype="string"),
            "item": pd.array([], dtype="string"),
            "is_chief_complaint": pd.array([], dtype=bool),
            "status": pd.array([], dtype="string"),
            "planned_date": pd.Series([], dtype="datetime64[ns]"),
            "done_date": pd.Series([], dtype="datetime64[ns]"),
        }
    )


def write_synthetic(
    clinic: SyntheticClinic,
    out_dir: str | Path,
    *,
    fmt: str = "csv",
    headers: str = "en",
    encoding: str = "utf-8",
) -> list[Path]:
    """Write ``visits``, ``patients``, ``spend``, ``plans`` and ``appointments`` into ``out_dir``.

    Returns the written paths. Dates are written as ``YYYY-MM-DD``; status values stay
    English in every header language.
    """
    check_option("fmt", fmt, FORMATS)
    check_option("headers", headers, HEADER_LANGS)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in ("visits", "patients", "spend", "plans", "appointments"):
        frame: pd.DataFrame = getattr(clinic, name)
        if name in ("plans", "appointments") and frame.empty:
            continue
        frame = frame.copy()
        for c in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[c]):
                frame[c] = frame[c].dt.strftime("%Y-%m" if c == "month" else "%Y-%m-%d")
        if headers != "en":
            frame = frame.rename(columns=HEADERS[headers][name])
        path = out / f"{name}.{fmt}"
        if fmt == "csv":
            frame.to_csv(path, index=False, encoding=encoding)
        elif fmt == "parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_excel(path, index=False)
        written.append(path)
    return written
