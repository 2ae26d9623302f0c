"""Tests for clinicvalue.analyses.care.lists."""

from __future__ import annotations

import pandas as pd
import pytest

from clinicvalue import load_profile
from clinicvalue.analyses.care.lists import LISTS, action_lists, call_list
from clinicvalue.data import ClinicData
from clinicvalue.errors import OptionError
from clinicvalue.load import load_clinic
from clinicvalue.privacy import pseudonym_secret, pseudonymize
from clinicvalue.profile import ClinicProfile
from clinicvalue.summarize.summary import summarize

PROFILE = ClinicProfile()


def _tasks() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": ["00004", "4", "4", "no", "b"],
            "task": ["recall", "followup_24h", "birthday", "recall", "reactivate_dormant"],
            "due_date": pd.to_datetime(
                ["2026-07-05", "2026-07-01", "2026-07-20", "2026-06-01", "2026-07-01"]
            ),
            "priority_value": [0.0, 1.0, 0.0, 0.0, 5.0],
        }
    )


def _patients() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": pd.array(["00004", "4", "no", "b"], dtype="string"),
            "contact_ok": [True, False, False, True],
            "name": ["Lin", "Wang", "Chen", "Lee"],
            "phone": ["0911", "0922", "0933", "0944"],
        }
    )


def test_list_sorted_deduplicated_and_respects_contact_ok() -> None:
    out = call_list(_tasks(), _patients(), PROFILE)
    # "4" and "no" refused contact; "00004" stays distinct from "4"
    assert out["task"].tolist() == ["reactivate_dormant", "recall"]
    assert out["priority"].tolist() == [1, 2]
    assert out["patient_key"].str.startswith("P-").all()
    assert "patient_id" not in out.columns
    assert out["reason"].tolist() == ["not seen for a long time", "recall due"]


def test_duplicates_and_top_n() -> None:
    patients = _patients().assign(contact_ok=True)
    out = call_list(_tasks(), patients, PROFILE, top_n=3)
    assert len(out) == 3 and out["patient_key"].is_unique
    assert out["task"].iloc[0] == "recall"  # the overdue one first
    every = call_list(_tasks(), patients, PROFILE)
    assert out.attrs["eligible"] == len(every) > 3  # the cut is reported, not hidden


def test_localised_reason_traditional_and_simplified() -> None:
    hant = call_list(_tasks(), _patients(), PROFILE, locale="zh-Hant")
    hans = call_list(_tasks(), _patients(), PROFILE, locale="zh-Hans")
    assert hant["reason"].iloc[1] == "回診到期" and hans["reason"].iloc[1] == "复诊到期"


def test_names_only_when_contact_allowed() -> None:
    shown = PROFILE.replace(privacy__show_contact_details=True)
    out = call_list(_tasks(), _patients(), shown)
    assert out["name"].tolist() == ["Lee", "Lin"]
    hidden = call_list(_tasks(), _patients(), PROFILE.replace(privacy__show_contact_details=False))
    assert "name" not in hidden.columns


def test_bad_locale() -> None:
    with pytest.raises(OptionError, match="locale"):
        call_list(_tasks(), _patients(), PROFILE, locale="fr")


def test_task_reason_and_script_override_standard_text() -> None:
    tasks = _tasks().assign(reason=["custom", None, None, None, None], script="say hi")
    out = call_list(tasks, _patients(), PROFILE)
    assert out["reason"].tolist() == ["not seen for a long time", "custom"]
    assert (out["script"] == "say hi").all()


AS_OF = pd.Timestamp("2026-06-30")


def _clinic() -> ClinicData:
    rows = [
        ("a", "2026-06-29", 100.0, "cleaning", None),  # follow-up due; recall later
        ("b", "2025-12-01", 100.0, "cleaning", None),  # cleaning recall due 2026-06-01
        ("c", "2026-04-15", 900.0, "consult", "rude staff"),  # complaint
        ("d", "2026-04-15", 50.0, "consult", "long wait"),  # complaint, refused contact
        ("r", "2026-05-01", 10.0, "consult", None),
        ("z", "2024-01-01", 800.0, "cleaning", None),  # dormant: reactivation, not recall
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
            "patient_id": pd.array(["a", "b", "c", "d", "r", "z"], dtype="string"),
            "contact_ok": [True, True, True, False, True, True],
            "referred_by": pd.array(["r", "r", None, "r", "", None], dtype="string"),
            "name": ["A", "B", "C", "D", "R", "Z"],
        }
    )
    return ClinicData(visits=visits, lines=visits, patients=patients)


def test_action_lists_hand_made() -> None:
    data = _clinic()
    lists = action_lists(data, summarize(data.visits, AS_OF), AS_OF, PROFILE)
    assert tuple(lists) == LISTS
    churn = lists["churn_warnings"]
    # by value at risk (total spend): c 900 before b 100; d refused contact
    assert churn["reason"].tolist() == [
        "complaint on 2026-04-15",
        "overdue: 211 days since last visit; after a cleaning, patients normally return "
        "within 180 days; spend down 100% (last 6 months vs the 6 before)",
    ]
    assert churn["task"].tolist() == ["churn_complaint", "churn_overdue"]
    assert churn["script"].iloc[0].startswith("Apologise")
    assert "haven't been back" in churn["script"].iloc[1]
    recalls = lists["recalls_due"]
    assert recalls["reason"].tolist() == ["recall overdue by 29 days"]  # b, not dormant z
    react = lists["reactivation"]
    assert react["task"].tolist() == ["reactivate_dormant"]
    assert react["reason"].tolist() == ["not seen for a long time"]
    follow = lists["followups"]
    assert len(follow) == 1 and follow["reason"].iloc[0] == (
        "follow-up 24 h after the visit on 2026-06-29"
    )
    refs = lists["vip_referrers"]
    assert refs["reason"].tolist() == ["referred 3 new patients"]
    assert refs["script"].iloc[0].startswith("Thank")
    for frame in lists.values():
        assert "patient_id" not in frame.columns and "name" not in frame.columns
        assert frame["patient_key"].is_unique


def test_action_lists_localised_and_names_when_allowed() -> None:
    data = _clinic()
    shown = PROFILE.replace(privacy__show_contact_details=True)
    summary = summarize(data.visits, AS_OF)
    hant = action_lists(data, summary, AS_OF, shown, locale="zh-Hant")
    hans = action_lists(data, summary, AS_OF, shown, locale="zh-Hans")
    assert hant["vip_referrers"]["reason"].iloc[0] == "介紹了 3 位新病患"
    assert hans["vip_referrers"]["reason"].iloc[0] == "介绍了 3 位新患者"
    assert hant["recalls_due"]["reason"].iloc[0] == "回診已逾期 29 天"
    assert hans["followups"]["reason"].iloc[0] == "2026-06-29 就诊后 24 小时关怀"
    assert hant["churn_warnings"]["name"].tolist() == ["C", "B"]


def test_vip_referrers_empty_without_referred_by() -> None:
    data = _clinic()
    data = ClinicData(
        visits=data.visits, lines=data.lines, patients=data.patients.drop(columns="referred_by")
    )
    lists = action_lists(data, summarize(data.visits, AS_OF), AS_OF, PROFILE)
    assert len(lists["vip_referrers"]) == 0


def test_action_lists_on_bundled_sample(
    sample: tuple[ClinicData, ClinicProfile, pd.DataFrame, pd.Timestamp],
) -> None:
    data, profile, summary, as_of = sample
    lists = action_lists(data, summary, as_of, profile, top_n=50)
    assert tuple(lists) == LISTS
    refused = data.patients.loc[data.patients["contact_ok"].eq(False), "patient_id"]
    refused_keys = set(pseudonymize(refused, pseudonym_secret(profile)))
    for name, frame in lists.items():
        assert len(frame) > 0, name
        assert frame["patient_key"].is_unique, name
        assert frame["priority"].tolist() == list(range(1, len(frame) + 1))
        assert not set(frame["patient_key"]) & refused_keys, name
        assert frame["reason"].notna().all() and frame["script"].notna().all(), name


def test_action_lists_bad_locale() -> None:
    data = _clinic()
    with pytest.raises(OptionError, match="locale"):
        action_lists(data, summarize(data.visits, AS_OF), AS_OF, PROFILE, locale="de")


@pytest.fixture(scope="module")
def sample() -> tuple[ClinicData, ClinicProfile, pd.DataFrame, pd.Timestamp]:
    d = "data_samples/dental/"
    data = load_clinic(
        d + "visits.csv", patients=d + "patients.csv", plans=d + "plans.csv", spend=d + "spend.csv"
    )
    as_of = pd.Timestamp("2026-10-31")
    return data, load_profile(d + "clinic.toml"), summarize(data.visits, as_of), as_of


def test_action_lists_with_clv_and_interrupted() -> None:
    data = _clinic()
    summary = summarize(data.visits, AS_OF)
    clv = pd.DataFrame(
        {"p_alive": [0.2, 0.9, 0.5], "clv": [500.0, 900.0, 50.0]},
        index=pd.Index(["b", "c", "z"], name="patient_id"),
    )
    interrupted = pd.Series([True], index=pd.Index(["r"], dtype="string"))
    lists = action_lists(data, summary, AS_OF, PROFILE, clv=clv, interrupted=interrupted)
    churn = lists["churn_warnings"]
    # value at risk is the CLV: c 900 before b 500
    assert churn["task"].tolist() == ["churn_complaint", "churn_overdue"]
    react = lists["reactivation"].set_index("task")
    assert react.loc["reactivate_interrupted", "reason"] == "treatment not finished"
    assert react.loc["reactivate_interrupted", "script"].startswith("Invite back to finish")
    assert react.loc["reactivate_dormant", "reason"] == "not seen for a long time"


def test_action_lists_without_optional_columns_keep_their_columns() -> None:
    visits = pd.DataFrame(
        {
            "patient_id": pd.array(["a"], dtype="string"),
            "visit_date": pd.to_datetime(["2020-01-01"]),
            "amount": [1.0],
        }
    )
    data = ClinicData(visits=visits, lines=visits)
    lists = action_lists(data, summarize(visits, AS_OF), AS_OF, PROFILE)
    assert {k: len(v) for k, v in lists.items()} == dict.fromkeys(LISTS, 0) | {"reactivation": 1}
    for frame in lists.values():
        assert {"patient_key", "reason", "script", "due_date", "priority"} <= set(frame.columns)
