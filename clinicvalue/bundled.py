"""Files that ship with the kit: the notebooks and the two sample clinics.

In a checkout they are the top-level ``notebooks/`` and ``data_samples/`` folders; an
installed wheel carries the same files inside the package (``clinicvalue/notebooks``,
``clinicvalue/samples``; ``setup.py`` maps them there). One copy of each in the repo.
"""

from __future__ import annotations

from pathlib import Path

from clinicvalue.errors import ReportError

__all__ = ["notebooks_folder", "samples_folder"]

_KIT = Path(__file__).resolve().parent


def _folder(installed: str, checkout: str, what: str) -> Path:
    for folder in (_KIT / installed, _KIT.parent / checkout):
        if folder.is_dir():
            return folder
    raise ReportError(f"the kit's {what} are missing (looked in {_KIT}); reinstall clinicvalue")


def notebooks_folder() -> Path:
    """Return the folder holding the kit's notebooks."""
    return _folder("notebooks", "notebooks", "notebooks")


def samples_folder() -> Path:
    """Return the folder holding the sample clinics (``dental``, ``general``)."""
    return _folder("samples", "data_samples", "sample clinics")
