import pytest

from clinicvalue.errors import InputError
from clinicvalue.names import check_clinic_id, clinic_id_key, parse_month


@pytest.mark.parametrize("good", ["north", "north-branch_2", "台北店", "北京朝阳", "A1", "x" * 64])
def test_safe_clinic_ids_pass(good):
    assert check_clinic_id(good) == good


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("..", "contains '.'"),
        (".", "contains '.'"),
        ("../docs", "contains '.', '/'"),
        ("a/b", "contains '/'"),
        ("a\\b", "contains " + repr("\\")),
        ("north branch", "contains ' '"),
        ("north\x00", "contains " + repr("\x00")),
        ("north\n", "contains " + repr("\n")),
        ("", "is empty"),
        ("x" * 65, "65 characters long"),
        ("CON", "reserved device name"),
        ("nul", "reserved device name"),
        ("Com1", "reserved device name"),
        ("ｎｏｒｔｈ", "not in plain form; write it as 'north'"),
        (5, "must be text"),
    ],
)
def test_unsafe_clinic_ids_are_refused_with_the_reason(bad, why):
    with pytest.raises(InputError, match="clinic.id") as exc:
        check_clinic_id(bad)
    assert why in str(exc.value)


def test_ids_that_would_share_a_folder_have_one_key():
    assert clinic_id_key("North") == clinic_id_key("north")
    assert clinic_id_key("台北店") != clinic_id_key("台中店")


def test_report_months_are_parsed_strictly():
    import datetime

    assert parse_month("2026-10") == "2026-10"
    assert parse_month("previous", today=datetime.date(2026, 12, 1)) == "2026-11"
    assert parse_month("previous", today=datetime.date(2027, 1, 15)) == "2026-12"


@pytest.mark.parametrize(
    "bad", ["2026-13", "2026-00", "0000-01", "2026-1", "2026/10", " 2026-10", "2026-10 ",
            "２０２６-１０", "٢٠٢٦-١٠", "202610", "2026-10-01", "", "Previous", None]
)  # fmt: skip
def test_bad_months_are_refused(bad):
    with pytest.raises(InputError, match=r"is not a report month; write the month as YYYY-MM"):
        parse_month(bad)
