"""Atomic report folders: build in a temporary folder, rename into place on success.

``reports/<clinic>/<YYYY-MM>/`` appears only complete. A failed run removes its
temporary folder and leaves any earlier report (of this or another month) untouched; a
lock file stops two runs of the same clinic and month from colliding.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from clinicvalue.errors import ReportError

__all__ = ["report_folder", "report_workspace"]


def report_folder(out: str | Path, clinic_id: str, month: str) -> Path:
    """Return ``out/<clinic_id>/<month>`` (the final folder of a report)."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in clinic_id) or "clinic"
    return Path(out) / safe / month


@contextmanager
def _lock(path: Path) -> Iterator[None]:
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError as exc:
        raise ReportError(
            f"another run is writing {path.parent / path.name[1:].removesuffix('.lock')}; "
            f"wait for it, or delete {path} if no run is going on"
        ) from exc
    try:
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        yield
    finally:
        path.unlink(missing_ok=True)


@contextmanager
def report_workspace(out: str | Path, clinic_id: str, month: str) -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces ``out/<clinic>/<month>``.

    Raises
    ------
    ReportError
        When another run holds the lock for the same clinic and month.
    """
    final = report_folder(out, clinic_id, month)
    final.parent.mkdir(parents=True, exist_ok=True)
    with _lock(final.parent / f".{month}.lock"):
        tmp = Path(tempfile.mkdtemp(prefix=f".{month}.tmp-", dir=final.parent))
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)
        try:
            yield tmp
            old = None
            if final.exists():
                old = final.parent / f".{month}.old-{os.getpid()}"
                os.replace(final, old)
            try:
                os.replace(tmp, final)
            except BaseException:
                if old is not None:
                    os.replace(old, final)
                raise
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
