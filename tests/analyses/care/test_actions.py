"""Tests for clinicvalue.analyses.care.lists: the day's calls, worded."""

from __future__ import annotations

import pandas as pd
import pytest

from clinicvalue import load_profile
from clinicvalue.analyses.care.lists import LISTS, action_lists, day_tasks, worklist
from clinicvalue.data import ClinicData
from clinicvalue.errors import OptionError
from clinicvalue.load import load_clinic
from clinicvalue.privacy import pseudonym_secret, pseudonymize
from clinicvalue.profile import ClinicProfile
from clinicvalue.summarize.summary import summarize

PROFILE = ClinicProfile().replace(actions__holdout_share=0.0)  # lists, not hold-back
AS_OF = pd.Timestamp("2026-06-30")


def _clinic(appointments: pd.DataFrame | None = None) -> ClinicData:
    rows = [
        ("a", "2026-06-29", 100.0, "filling", None),  # follow-up due
        ("b", "2025-12-01", 100.0, "cleaning", None),  # cleaning recall due 2026-06-01
        ("c", "2026-04-15", 900.0, "consult", "rude staff"),  # complaint
        ("d", "2026-04-15", 50.0, "consult", "long wait"),  # complaint, refused contact
        ("r", "2026-05-01", 10.0, "consult", None),
        ("z", "2024-01-01", 800.0, "cleaning", None),  # dormant: reactivation, not recall
        ("s", "2026-06-29", 80.0, "cleaning", None),  # routine: no follow-up call
    ]
    visits = pd.DataFrame(
        {
            "patient_id": pd.array([r[0] for r in rows], dtype="string"),
            "visit_date": pd.to_datetime([r[1] for r in rows]),
            "amount": [r[2] for r in rows],
            "treatment": pd.array([r[3] for r in rows], dtype="string"),
            "complaint": pd.array([r[4] for r in rows], dtype="string"),
        }
    )
    patients = pd.DataFrame(
        {
            "patient_id": pd.array(["a", "b", "c", "d", "r", "z", "s"], dtype="string"),
            "contact_ok": [True, True, True, False, True, True, True],
            "referred_by": pd.array(["r", "r", None, "r", "", None, None], dtype="string"),
            "name": ["A", "B", "C", "D", "R", "Z", "S"],
            "birth_date": pd.to_datetime(["1980-07-02", None, None, None, None, None, None]),
        }
    )
    return ClinicData(visits=visits, lines=visits, patients=patients, appointments=appointments)


def test_day_tasks_name_what_and_when() -> None:
    data = _clinic()
    tasks = day_tasks(data, summarize(data.visits, AS_OF), AS_OF, PROFILE)
    assert tuple(tasks) == LISTS
    churn = tasks["churn_warnings"].set_index("patient_id")
    assert churn.loc["c", "reason"] == "complaint on 2026-04-15"
    assert churn.loc["c", "task"] == "churn_complaint"
    assert churn.loc["c", "script"].startswith("Apologise")
    assert churn.loc["b", "reason"].startswith("overdue: 211 days since last visit")
    recalls = tasks["recalls_due"]
    assert recalls["patient_id"].tolist() == ["b"]  # not the dormant z
    assert recalls["reason"].tolist() == ["recall overdue by 29 days (due 2026-06-01)"]
    react = tasks["reactivation"]
    assert react["patient_id"].tolist() == ["z"]
    assert react["reason"].iloc[0] == "not seen for 30 months (last visit 2024-01-01)"
    follow = tasks["followups"]
    # the filling gets its call, the routine cleaning of s does not
    assert follow["patient_id"].tolist() == ["a"]
    assert follow["reason"].iloc[0] == "follow-up 24 h after the visit on 2026-06-29 (filling)"
    assert tasks["birthdays"]["reason"].tolist() == ["birthday on 2026-07-02"]
    refs = tasks["vip_referrers"]
    assert refs["reason"].tolist() == ["referred 3 new patients"]
    assert refs["script"].iloc[0].startswith("Thank")
    assert tasks["reminders"].empty  # no appointment book


def test_day_tasks_localised() -> None:
    data = _clinic()
    summary = summarize(data.visits, AS_OF)
    hant = day_tasks(data, summary, AS_OF, PROFILE, locale="zh-Hant")
    hans = day_tasks(data, summary, AS_OF, PROFILE, locale="zh-Hans")
    assert hant["vip_referrers"]["reason"].iloc[0] == "介紹了 3 位新病患"
    assert hans["vip_referrers"]["reason"].iloc[0] == "介绍了 3 位新患者"
    assert hant["recalls_due"]["reason"].iloc[0] == "回診已逾期 29 天（2026-06-01 到期）"
    assert hans["followups"]["reason"].iloc[0] == "2026-06-29 就诊后 24 小时关怀 (filling)"


def test_reminders_for_tomorrows_bookings_and_interrupted_item_named() -> None:
    book = pd.DataFrame(
        {
            "patient_id": pd.array(["c", "c", "r"], dtype="string"),
            "date": pd.to_datetime(["2026-07-01", "2026-07-09", "2026-07-01"]),
            "time": pd.array(["09:30", None, "14:00"], dtype="string"),
            "status": pd.array(["confirmed", "booked", "cancelled"], dtype="string"),
            "treatment": pd.array(["implant review", None, None], dtype="string"),
        }
    )
    data = _clinic(book)
    plans = pd.DataFrame(
        {
            "patient_id": pd.array(["r", "r"], dtype="string"),
            "item": pd.array(["crown", "root canal"], dtype="string"),
            "status": pd.array(["planned", "done"], dtype="string"),
        }
    )
    data.plans = plans
    interrupted = pd.Series([True], index=pd.Index(["r"], dtype="string"))
    tasks = day_tasks(data, summarize(data.visits, AS_OF), AS_OF, PROFILE, interrupted=interrupted)
    rem = tasks["reminders"]
    assert rem["patient_id"].tolist() == ["c"]  # r's booking was cancelled
    assert rem["reason"].iloc[0] == "appointment on 2026-07-01 09:30 · implant review"
    react = tasks["reactivation"].set_index("patient_id")
    assert react.loc["r", "reason"] == "treatment not finished: crown"
    assert react.loc["r", "script"].startswith("Invite back to finish")


def test_action_lists_are_views_of_one_worklist() -> None:
    data = _clinic()
    lists = action_lists(data, summarize(data.visits, AS_OF), AS_OF, PROFILE)
    assert tuple(lists) == LISTS
    keys = pd.concat([v for v in lists.values()])["patient_key"]
    d_key = pseudonymize(pd.Series(["d"], dtype="string"), pseudonym_secret(PROFILE)).iloc[0]
    assert d_key not in set(keys)  # refused contact
    # b is on the recall and the churn list: one row, both reasons, in both views
    b = lists["recalls_due"].iloc[0]
    assert b["lists"] == "recalls_due;churn_warnings"
    assert "recall overdue by 29 days" in b["reason"] and "211 days" in b["reason"]
    assert b["patient_key"] in set(lists["churn_warnings"]["patient_key"])
    for frame in lists.values():
        assert "patient_id" in frame.columns  # dropped only when the sheet is written
        assert frame["patient_key"].is_unique


def test_worklist_on_bundled_sample(
    sample: tuple[ClinicData, ClinicProfile, pd.DataFrame, pd.Timestamp],
) -> None:
    data, profile, summary, as_of = sample
    work = worklist(data, summary, as_of, profile, capacity=300)
    refused = data.patients.loc[data.patients["contact_ok"].eq(False), "patient_id"]
    refused_keys = set(pseudonymize(refused, pseudonym_secret(profile)))
    assert len(work.rows) == 300 and work.rows["patient_key"].is_unique
    assert work.rows["priority"].tolist() == list(range(1, 301))
    assert not set(work.rows["patient_key"]) & refused_keys
    assert work.rows["reason"].notna().all() and work.rows["script"].notna().all()
    assert not set(work.held["patient_key"]) & set(work.rows["patient_key"])
    booked = set(data.appointments.loc[
        (data.appointments["date"] > as_of) & data.appointments["status"].ne("cancelled"),
        "patient_id",
    ])  # fmt: skip
    for name in ("recalls_due", "churn_warnings", "reactivation"):
        view = work.view(name)
        assert not set(view["patient_id"]) & booked, name
    assert work.booked["recalls_due"] > 0 and work.booked["churn_warnings"] > 0


def test_action_lists_bad_locale() -> None:
    data = _clinic()
    with pytest.raises(OptionError, match="locale"):
        action_lists(data, summarize(data.visits, AS_OF), AS_OF, PROFILE, locale="de")


@pytest.fixture(scope="module")
def sample() -> tuple[ClinicData, ClinicProfile, pd.DataFrame, pd.Timestamp]:
    d = "data_samples/dental/"
    data = load_clinic(
        d + "visits.csv", patients=d + "patients.csv", plans=d + "plans.csv",
        spend=d + "spend.csv", appointments=d + "appointments.csv",
    )  # fmt: skip
    as_of = pd.Timestamp("2026-10-31")
    return data, load_profile(d + "clinic.toml"), summarize(data.visits, as_of), as_of


def test_worklist_ranks_by_clv_when_given() -> None:
    data = _clinic()
    summary = summarize(data.visits, AS_OF)
    clv = pd.DataFrame(
        {"p_alive": [0.2, 0.9, 0.5], "clv": [500.0, 900.0, 50.0]},
        index=pd.Index(["b", "c", "z"], name="patient_id"),
    )
    work = worklist(data, summary, AS_OF, PROFILE, clv=clv)
    churn = work.view("churn_warnings")
    # b's recall due soon outranks c's churn warning; both carry their CLV as value
    assert churn["patient_id"].tolist() == ["b", "c"]
    assert churn.set_index("patient_id")["value"].to_dict() == {"b": 500.0, "c": 900.0}


def test_worklist_without_optional_columns() -> None:
    visits = pd.DataFrame(
        {
            "patient_id": pd.array(["a"], dtype="string"),
            "visit_date": pd.to_datetime(["2020-01-01"]),
            "amount": [1.0],
        }
    )
    data = ClinicData(visits=visits, lines=visits)
    work = worklist(data, summarize(visits, AS_OF), AS_OF, PROFILE)
    assert work.rows["list"].tolist() == ["reactivation"]
    assert work.booked is None  # no appointment book: nothing is known about bookings
    assert {"patient_key", "reason", "script", "due_date", "priority"} <= set(work.rows.columns)


def test_day_tasks_call_the_patients_of_the_churn_list_already_made() -> None:
    from clinicvalue.analyses.retention.churn import churn_warnings

    data = _clinic()
    summary = summarize(data.visits, AS_OF)
    made = churn_warnings(data, summary, AS_OF, PROFILE)
    given = day_tasks(data, summary, AS_OF, PROFILE, churn=made)["churn_warnings"]
    assert given["patient_id"].tolist() == made.table.index.tolist()
    alone = day_tasks(data, summary, AS_OF, PROFILE)["churn_warnings"]
    pd.testing.assert_frame_equal(given, alone)
