"""Pseudonymous patient keys and what may reach staff.

Reports for consultants carry a keyed hash of the patient ID instead of the ID:
stable from month to month for one clinic (same secret), different between clinics,
and not reversible without the secret. The secret comes from the environment
(``profile.privacy.secret_env``, ``CLINICVALUE_SECRET`` by default), never from a file
or a notebook parameter.
"""

from __future__ import annotations

import hashlib
import hmac
import os

import pandas as pd

from clinicvalue.profile import ClinicProfile

__all__ = ["pseudonym_secret", "pseudonymize", "contact_allowed"]

_KEY_PREFIX = "P-"
_KEY_LENGTH = 10


def pseudonym_secret(profile: ClinicProfile) -> bytes:
    """Return the clinic's pseudonym secret from the environment.

    Without the variable the clinic's id is used, which keeps keys stable but is not
    secret; reports say so in their data-quality notes.
    """
    value = os.environ.get(profile.privacy.secret_env, "")
    if value:
        return value.encode("utf-8")
    return f"clinicvalue:{profile.clinic.id}".encode()


def pseudonymize(patient_ids: pd.Series | pd.Index, secret: bytes) -> pd.Series:
    """Return a pseudonymous key (``P-`` and 10 hex digits) per patient ID.

    Parameters
    ----------
    patient_ids
        Patient IDs as strings.
    secret
        The clinic's secret, from :func:`pseudonym_secret`.

    Returns
    -------
    pandas.Series
        Keys aligned with the input (same index for a Series).
    """
    ids = pd.Series(patient_ids) if isinstance(patient_ids, pd.Index) else patient_ids
    uniques = pd.unique(ids.astype("string"))
    table = {
        pid: _KEY_PREFIX
        + hmac.new(secret, str(pid).encode("utf-8"), hashlib.sha256).hexdigest()[:_KEY_LENGTH]
        for pid in uniques
    }
    return ids.astype("string").map(table).astype("string")


def contact_allowed(patients: pd.DataFrame | None, profile: ClinicProfile) -> pd.Series:
    """Return, per patient ID, whether staff may see and use their contact details.

    True only where the profile shows contact details at all and the patient's
    ``contact_ok`` is true (or, with no such column, the profile's default).
    """
    if patients is None or len(patients) == 0:
        return pd.Series(dtype="bool", index=pd.Index([], dtype="string", name="patient_id"))
    ids = patients["patient_id"].astype("string")
    if "contact_ok" in patients.columns:
        ok = patients["contact_ok"].fillna(False).astype(bool).to_numpy()
    else:
        ok = [profile.privacy.contact_ok_default] * len(patients)
    allowed = pd.Series(ok, index=pd.Index(ids, name="patient_id"), dtype="bool")
    return allowed & profile.privacy.show_contact_details
