"""Fixtures of the care tests: a fixed pseudonym secret, so who is held back is fixed too."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def fixed_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin the pseudonym secret (the hold-back hash reads the patient keys it makes)."""
    monkeypatch.setenv("CLINICVALUE_SECRET", "care-tests-fixed-secret-0001")
