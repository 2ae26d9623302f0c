import pytest

from clinicvalue.errors import ClinicValueError, InputError, OptionError, check_option


def test_input_error_names_file_line_column_and_value():
    err = InputError(
        "cannot read 'NT$1,2O0' as an amount",
        file="visits.csv",
        line=42,
        column="金額",
        value="NT$1,2O0",
    )
    assert str(err) == "visits.csv, line 42, column 金額: cannot read 'NT$1,2O0' as an amount"
    assert (err.file, err.line, err.column, err.value) == ("visits.csv", 42, "金額", "NT$1,2O0")
    assert isinstance(err, ClinicValueError)


def test_input_error_without_location_is_just_the_message():
    assert str(InputError("no visits")) == "no visits"


def test_check_option_lists_allowed_values():
    with pytest.raises(OptionError, match=r"time_unit must be one of 'D', 'W', 'M'; got 'Y'"):
        check_option("time_unit", "Y", ("D", "W", "M"))
    check_option("time_unit", "W", ("D", "W", "M"))
