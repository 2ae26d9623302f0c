import hashlib
import hmac

import pandas as pd
import pytest

from clinicvalue.errors import SecretError
from clinicvalue.privacy import (
    SECRET_FILE_ENV,
    contact_allowed,
    pseudonym_secret,
    pseudonymize,
    secret_file,
)
from clinicvalue.profile import ClinicProfile


def test_keys_are_stable_distinct_and_not_the_id():
    ids = pd.Series(["00004", "4", "00004"], dtype="string")
    a = pseudonymize(ids, b"secret")
    b = pseudonymize(ids, b"secret")
    assert a.tolist() == b.tolist()
    assert a[0] == a[2] != a[1]
    assert all(k.startswith("P-") and len(k) == 14 for k in a)
    assert not any("00004" in k for k in a)


@pytest.mark.parametrize("secret", [b"", b"secret", bytes(range(32)), b"k" * 64, b"k" * 100])
def test_keys_are_the_standard_hmac_sha256_of_the_id(secret):
    ids = pd.Series(["00004", "診所-é", "", "P 1", None, "x" * 300], dtype="string")
    got = pseudonymize(ids, secret)
    for pid, key in zip(ids, got, strict=True):
        if pid is pd.NA:
            assert key is pd.NA
            continue
        mac = hmac.new(secret, pid.encode("utf-8"), hashlib.sha256).hexdigest()
        assert key == "P-" + mac[:12]


def test_keys_differ_between_clinics():
    ids = pd.Series(["1"], dtype="string")
    assert pseudonymize(ids, b"clinic-a")[0] != pseudonymize(ids, b"clinic-b")[0]


SECRET = "a-long-clinic-secret-0123456789"


def _keys(ids, profile):
    return pseudonymize(pd.Series(ids, dtype="string"), pseudonym_secret(profile)).tolist()


def test_clinic_key_is_derived_from_the_secret_and_the_clinic(monkeypatch):
    import hashlib
    import hmac

    monkeypatch.setenv("CLINICVALUE_SECRET", SECRET)
    prof = ClinicProfile()
    key = pseudonym_secret(prof)
    expected = hmac.new(SECRET.encode(), b"clinicvalue patient key v1\x00demo", hashlib.sha256)
    assert key == expected.digest()
    assert SECRET.encode() not in key and b"demo" not in key
    other = prof.replace(clinic__id="north")
    assert _keys(["1", "2"], prof) != _keys(["1", "2"], other)
    assert not set(_keys(["1", "2"], prof)) & set(_keys(["1", "2"], other))


def test_keys_cannot_be_recomputed_from_record_numbers_without_the_secret(monkeypatch):
    """The attack that worked before: try every record number under the clinic id."""
    import hashlib
    import hmac

    monkeypatch.setenv("CLINICVALUE_SECRET", SECRET)
    prof = ClinicProfile()
    keys = set(_keys([f"{i:05d}" for i in range(2000)], prof))
    for guess in (b"clinicvalue:demo", b"demo", b""):
        tried = {
            "P-" + hmac.new(guess, f"{i:05d}".encode(), hashlib.sha256).hexdigest()[:12]
            for i in range(2000)
        }
        assert not keys & tried


def test_without_the_variable_an_installation_secret_is_created_private(monkeypatch, tmp_path):
    import stat

    monkeypatch.delenv("CLINICVALUE_SECRET", raising=False)
    path = tmp_path / "conf" / "secret"
    monkeypatch.setenv(SECRET_FILE_ENV, str(path))
    first = _keys(["00004"], ClinicProfile())
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert len(path.read_text().strip()) == 64
    assert _keys(["00004"], ClinicProfile()) == first  # stable: the file is reused


def test_default_location_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv(SECRET_FILE_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert secret_file() == tmp_path / "clinicvalue" / "secret"


def test_no_secret_at_all_stops_with_how_to_set_one(monkeypatch, tmp_path):
    monkeypatch.delenv("CLINICVALUE_SECRET", raising=False)
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    monkeypatch.setenv(SECRET_FILE_ENV, str(blocked / "secret"))
    with pytest.raises(SecretError, match="no pseudonym secret: .*set CLINICVALUE_SECRET to"):
        pseudonym_secret(ClinicProfile())


def test_a_secret_file_others_can_read_is_refused(monkeypatch, tmp_path):
    monkeypatch.delenv("CLINICVALUE_SECRET", raising=False)
    path = tmp_path / "secret"
    path.write_text("0123456789abcdef0123456789abcdef\n")
    path.chmod(0o644)
    monkeypatch.setenv(SECRET_FILE_ENV, str(path))
    with pytest.raises(SecretError, match="can be read by other users; .*chmod 600"):
        pseudonym_secret(ClinicProfile())


def test_a_short_secret_is_refused(monkeypatch):
    monkeypatch.setenv("CLINICVALUE_SECRET", "s3cret")
    with pytest.raises(SecretError, match="shorter than 16 characters"):
        pseudonym_secret(ClinicProfile())


def test_score_without_any_secret_exits_2_and_writes_nothing(monkeypatch, tmp_path, capsys):
    from clinicvalue.cli import main

    monkeypatch.delenv("CLINICVALUE_SECRET", raising=False)
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    monkeypatch.setenv(SECRET_FILE_ENV, str(blocked / "secret"))
    visits = tmp_path / "visits.csv"
    visits.write_text("patient_id,visit_date,amount\n001,2026-01-05,100\n001,2026-05-05,50\n")
    out = tmp_path / "scores.csv"
    code = main(["score", "--visits", str(visits), "--as-of", "2026-10-31", "--out", str(out),
                 "--no-clv"])  # fmt: skip
    assert code == 2
    assert "no pseudonym secret" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file-not-folder", "visits.csv"]


def test_contact_allowed_needs_profile_and_patient_consent():
    patients = pd.DataFrame(
        {"patient_id": pd.array(["1", "2", "3"], dtype="string"), "contact_ok": [True, False, None]}
    )
    shown = ClinicProfile().replace(privacy__show_contact_details=True)
    assert contact_allowed(patients, shown).tolist() == [True, False, False]
    assert contact_allowed(patients, ClinicProfile()).tolist() == [False, False, False]
    no_col = patients.drop(columns="contact_ok")
    allow_default = shown.replace(privacy__contact_ok_default=True)
    assert contact_allowed(no_col, allow_default).tolist() == [True, True, True]
