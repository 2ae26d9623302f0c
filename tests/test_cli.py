import tomllib

import pytest

from clinicvalue.cli import main
from clinicvalue.errors import InputError
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


def test_version_and_python_dash_m(capsys):
    import subprocess
    import sys

    from clinicvalue import __version__

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"clinicvalue {__version__}"
    done = subprocess.run([sys.executable, "-m", "clinicvalue", "--version"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    assert done.stdout.strip() == f"clinicvalue {__version__}"


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_verbose_and_debug_work_before_or_after_the_command(tmp_path, capsys, where):
    visits = tmp_path / "visits.csv"
    visits.write_text("patient_id,visit_date,amount\n001,2024-05-01,100\n")
    args = ["validate", "--visits", str(visits)]
    assert main(["--quiet", *args] if where == "before" else [*args, "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["-v", *args] if where == "before" else [*args, "-v"]) == 0
    assert "1 row(s) read" in capsys.readouterr().out
    missing = ["validate", "--visits", str(tmp_path / "nope.csv")]
    with pytest.raises(InputError):
        main(["--debug", *missing] if where == "before" else [*missing, "--debug"])
    assert main([*missing, "-q"]) == 2
    err = capsys.readouterr()
    assert err.out == "" and "file not found" in err.err


def test_help_documents_every_environment_variable(capsys):
    import re
    from pathlib import Path

    with pytest.raises(SystemExit):
        main(["report", "--help"])
    shown = capsys.readouterr().out
    package = Path(__file__).resolve().parents[1] / "clinicvalue"
    read = set()
    for module in package.rglob("*.py"):
        read |= set(re.findall(r"\"(CLINICVALUE_[A-Z_]+)\"", module.read_text(encoding="utf-8")))
    assert read and all(name in shown for name in read), read
    readme = (package.parent / "README.md").read_text(encoding="utf-8")
    assert all(name in readme for name in read), read
