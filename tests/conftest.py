"""Fixtures shared by every test module."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# The installation's pseudonym secret is created on first use; the tests (and the
# notebook kernels they start, which inherit the environment) keep theirs in a folder of
# their own instead of the user's ~/.config.
_SECRETS = Path(tempfile.mkdtemp(prefix="cv-test-secret-"))
atexit.register(shutil.rmtree, _SECRETS, ignore_errors=True)
os.environ["CLINICVALUE_SECRET_FILE"] = str(_SECRETS / "secret")
os.environ.pop("CLINICVALUE_SECRET", None)


@pytest.fixture(scope="session")
def spark():
    """A Spark session in local mode, shared by every Spark test (started once)."""
    if shutil.which("java") is None:
        pytest.fail("Spark tests need a Java runtime (apt-get install default-jre-headless)")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("clinicvalue-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
