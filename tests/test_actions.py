"""Tests for clinicvalue.actions."""

from __future__ import annotations

import pandas as pd
import pytest

from clinicvalue.actions import call_list
from clinicvalue.errors import OptionError
from clinicvalue.profile import ClinicProfile

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
    assert out["key"].str.startswith("P-").all()
    assert "patient_id" not in out.columns
    assert out["reason"].tolist() == ["not seen for a long time", "recall due"]


def test_duplicates_and_top_n() -> None:
    patients = _patients().assign(contact_ok=True)
    out = call_list(_tasks(), patients, PROFILE, top_n=3)
    assert len(out) == 3 and out["key"].is_unique
    assert out["task"].iloc[0] == "recall"  # the overdue one first


def test_localised_reason_traditional_and_simplified() -> None:
    hant = call_list(_tasks(), _patients(), PROFILE, locale="zh-Hant")
    hans = call_list(_tasks(), _patients(), PROFILE, locale="zh-Hans")
    assert hant["reason"].iloc[1] == "回診到期" and hans["reason"].iloc[1] == "回诊到期"


def test_names_only_when_contact_allowed() -> None:
    shown = PROFILE.replace(privacy__show_contact_details=True)
    out = call_list(_tasks(), _patients(), shown)
    assert out["name"].tolist() == ["Lee", "Lin"]
    hidden = call_list(_tasks(), _patients(), PROFILE.replace(privacy__show_contact_details=False))
    assert "name" not in hidden.columns


def test_bad_locale() -> None:
    with pytest.raises(OptionError, match="locale"):
        call_list(_tasks(), _patients(), PROFILE, locale="fr")
