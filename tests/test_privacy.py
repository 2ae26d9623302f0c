import pandas as pd

from clinicvalue.privacy import contact_allowed, pseudonym_secret, pseudonymize
from clinicvalue.profile import ClinicProfile


def test_keys_are_stable_distinct_and_not_the_id():
    ids = pd.Series(["00004", "4", "00004"], dtype="string")
    a = pseudonymize(ids, b"secret")
    b = pseudonymize(ids, b"secret")
    assert a.tolist() == b.tolist()
    assert a[0] == a[2] != a[1]
    assert all(k.startswith("P-") and len(k) == 12 for k in a)
    assert not any("00004" in k for k in a)


def test_keys_differ_between_clinics():
    ids = pd.Series(["1"], dtype="string")
    assert pseudonymize(ids, b"clinic-a")[0] != pseudonymize(ids, b"clinic-b")[0]


def test_secret_comes_from_the_environment(monkeypatch):
    prof = ClinicProfile()
    monkeypatch.setenv("CLINICVALUE_SECRET", "s3cret")
    assert pseudonym_secret(prof) == b"s3cret"
    monkeypatch.delenv("CLINICVALUE_SECRET")
    assert pseudonym_secret(prof) == b"clinicvalue:demo"


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
