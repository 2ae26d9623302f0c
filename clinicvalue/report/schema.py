"""What ``metrics.json`` and ``model.json`` promise their readers: a versioned schema.

Both files carry ``schema_version`` (raised whenever a key is renamed or removed, so next
month's run and a consultant's tools can tell) and the ``kit_version`` that wrote them.
The JSON Schema of ``metrics.json`` ships with the kit (``schemas/metrics.schema.json``).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from clinicvalue._version import __version__

__all__ = ["METRICS_SCHEMA_VERSION", "MODEL_SCHEMA_VERSION", "kit_version", "metrics_schema"]

METRICS_SCHEMA_VERSION = 1
MODEL_SCHEMA_VERSION = 1


def kit_version() -> str:
    """Return the installed kit's version."""
    return __version__


def metrics_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of ``metrics.json``."""
    text = resources.files("clinicvalue.schemas").joinpath("metrics.schema.json").read_text("utf-8")
    return json.loads(text)
