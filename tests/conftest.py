"""Fixtures shared by every test module."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

# The installation's pseudonym secret is created on first use; the tests (and the
# notebook kernels they start, which inherit the environment) keep theirs in a folder of
# their own instead of the user's ~/.config.
_SECRETS = Path(tempfile.mkdtemp(prefix="cv-test-secret-"))
atexit.register(shutil.rmtree, _SECRETS, ignore_errors=True)
os.environ["CLINICVALUE_SECRET_FILE"] = str(_SECRETS / "secret")
os.environ.pop("CLINICVALUE_SECRET", None)
