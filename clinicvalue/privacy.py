"""Pseudonymous patient keys and what may reach staff.

Reports for consultants carry a keyed hash of the patient ID instead of the ID. The key
material is a secret that never appears in an output:

- ``CLINICVALUE_SECRET`` (or the variable ``profile.privacy.secret_env`` names), or else
- the installation's own secret, created on first use as 64 random hex digits in a file
  only the user can read: ``$CLINICVALUE_SECRET_FILE`` if set, else
  ``$XDG_CONFIG_HOME/clinicvalue/secret`` (``~/.config/clinicvalue/secret``).

From the secret and the clinic's id the kit derives one key per clinic (HMAC-SHA256 of
the id under the secret), and a patient's key is ``P-`` and the first 12 hex digits of
the HMAC-SHA256 of the patient ID under that clinic key. Keys are stable from month to
month while the secret is kept, differ between clinics, and cannot be recomputed from
record numbers without the secret. Losing the secret file means next month's keys
differ from this month's: back it up with the kit's other configuration. A run that
can neither read the variable nor read or create the file stops with a message.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

import pandas as pd
import pyarrow as pa

from clinicvalue.errors import SecretError
from clinicvalue.profile import ClinicProfile
from clinicvalue.summarize.duck import connect

__all__ = [
    "SECRET_FILE_ENV",
    "secret_file",
    "installation_secret",
    "pseudonym_secret",
    "pseudonymize",
    "contact_allowed",
]

SECRET_FILE_ENV = "CLINICVALUE_SECRET_FILE"
_KEY_PREFIX = "P-"
_KEY_LENGTH = 12
_DERIVE = b"clinicvalue patient key v1\x00"


def secret_file() -> Path:
    """Return where the installation's pseudonym secret lives (see the module notes)."""
    given = os.environ.get(SECRET_FILE_ENV, "")
    if given:
        return Path(given).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME", "") or str(Path.home() / ".config")
    return Path(config) / "clinicvalue" / "secret"


def _how_to_set(env: str) -> str:
    return (
        f'set {env} to a long random text (e.g. the output of: python -c "import secrets; '
        f'print(secrets.token_hex(32))"), or set {SECRET_FILE_ENV} to a file path the kit '
        "may create"
    )


def installation_secret(env: str = "CLINICVALUE_SECRET") -> bytes:
    """Return the installation's secret, creating the file (mode 0600) on first use.

    Raises
    ------
    SecretError
        When the file cannot be read or created, is readable by other users, or is empty.
    """
    path = secret_file()
    try:
        if not path.exists():
            _create_secret(path)
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise SecretError(
                f"the pseudonym secret {path} can be read by other users; make it private "
                f"with: chmod 600 {path}"
            )
        value = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SecretError(
            f"no pseudonym secret: cannot read or create {path} ({exc.strerror}); "
            + _how_to_set(env)
        ) from None
    if len(value) < 16:
        raise SecretError(f"the pseudonym secret in {path} is too short; " + _how_to_set(env))
    return value.encode("utf-8")


def _create_secret(path: Path) -> None:
    """Write 64 random hex digits to ``path``, readable by its owner only."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:  # another run created it a moment ago
        return
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_hex(32) + "\n")


def pseudonym_secret(profile: ClinicProfile) -> bytes:
    """Return the clinic's pseudonym key: derived from the secret and the clinic's id.

    The secret is the variable ``profile.privacy.secret_env`` or the installation's
    secret file (see the module notes); the derived key is never written anywhere.

    Raises
    ------
    SecretError
        When there is no secret (see :func:`installation_secret`).
    """
    env = profile.privacy.secret_env
    value = os.environ.get(env, "")
    secret = value.encode("utf-8") if value else installation_secret(env)
    if value and len(value) < 16:
        raise SecretError(f"{env} is shorter than 16 characters; " + _how_to_set(env))
    return hmac.new(secret, _DERIVE + profile.clinic.id.encode("utf-8"), hashlib.sha256).digest()


def pseudonymize(patient_ids: pd.Series | pd.Index, secret: bytes) -> pd.Series:
    """Return a pseudonymous key (``P-`` and 12 hex digits) per patient ID.

    Parameters
    ----------
    patient_ids
        Patient IDs as strings.
    secret
        The clinic's key, from :func:`pseudonym_secret`.

    Returns
    -------
    pandas.Series
        Keys aligned with the input (same index for a Series).
    """
    ids = pd.Series(patient_ids) if isinstance(patient_ids, pd.Index) else patient_ids
    text = pa.array(ids.astype("string"), type=pa.large_string())
    inner, outer = _hmac_pads(secret)
    # HMAC-SHA256 (RFC 2104) from the key's two pads, in DuckDB on both cores: a Python
    # loop over a clinic's million IDs took seconds; a missing ID has no key
    with connect() as con:
        con.register("ids", pa.table({"id": text}))
        keys = con.sql(
            "SELECT $prefix || left(sha256($outer || unhex(sha256($inner || encode(id)))), "
            "$length) AS key FROM ids",
            params={"prefix": _KEY_PREFIX, "outer": outer, "inner": inner, "length": _KEY_LENGTH},
        ).to_arrow_table()
    return pd.Series(pd.array(keys.column("key"), dtype="string"), index=ids.index)


def _hmac_pads(secret: bytes) -> tuple[bytes, bytes]:
    """Return the key's inner and outer HMAC-SHA256 pads (RFC 2104, block 64)."""
    key = hashlib.sha256(secret).digest() if len(secret) > 64 else secret
    key = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


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
