import tomllib

import pytest

from clinicvalue.cli import main
from clinicvalue.profile import ClinicProfile


def test_profile_init_writes_a_commented_default(tmp_path, capsys):
    target = tmp_path / "clinic.toml"
    assert main(["profile", "--init", str(target)]) == 0
    assert ClinicProfile.from_dict(tomllib.loads(target.read_text())) == ClinicProfile()
    assert main(["profile", "--check", str(target)]) == 0
    assert "OK" in capsys.readouterr().out


def test_profile_init_refuses_to_overwrite(tmp_path, capsys):
    target = tmp_path / "clinic.toml"
    target.write_text("# mine\n")
    assert main(["profile", "--init", str(target)]) == 2
    assert "already exists; use --force" in capsys.readouterr().err
    assert target.read_text() == "# mine\n"


def test_bad_profile_is_one_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[rfm]\nwindow = 3\n")
    assert main(["profile", "--check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("clinicvalue profile: error:") and "unknown key 'rfm.window'" in err
    assert "Traceback" not in err


def test_missing_required_option_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["score", "--visits", "v.csv"])
    assert exc.value.code == 2
    assert "--as-of" in capsys.readouterr().err
