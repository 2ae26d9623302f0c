"""Atomic report folders: build in a temporary folder, rename into place on success.

``reports/<clinic>/<YYYY-MM>/`` appears only complete. A failed run removes its
temporary folder and leaves any earlier report (of this or another month) untouched; a
lock file (holding the run's process id) stops two runs of the same clinic and month from
colliding; a lock left by a run that was killed is taken over.
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


def _holder(path: Path) -> int | None:
    """Return the PID written in a lock file, or None when unreadable."""
    try:
        return int(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


@contextmanager
def _lock(path: Path) -> Iterator[None]:
    for attempt in (1, 2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            break
        except FileExistsError as exc:
            pid = _holder(path)
            if attempt == 1 and pid is not None and not _alive(pid):
                path.unlink(missing_ok=True)  # left by a run that was killed: take it over
                continue
            raise ReportError(
                f"another run (process {pid}) is writing "
                f"{path.parent / path.name[1:].removesuffix('.lock')}; "
                f"wait for it, or delete {path} if no run is going on"
            ) from exc
    try:
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        yield
    finally:
        path.unlink(missing_ok=True)


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return those created, deepest first."""
    created = []
    p = folder
    while not p.exists():
        created.append(p)
        p = p.parent
    folder.mkdir(parents=True, exist_ok=True)
    return created


@contextmanager
def report_workspace(out: str | Path, clinic_id: str, month: str) -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces ``out/<clinic>/<month>``.

    Raises
    ------
    ReportError
        When another run holds the lock for the same clinic and month.
    """
    final = report_folder(out, clinic_id, month)
    created = _make_parents(final.parent)
    try:
        with _lock(final.parent / f".{month}.lock"):
            yield from _build(final, month)
    finally:
        for folder in created:  # a failed first run leaves no empty clinic folder behind
            if folder.exists() and not any(folder.iterdir()):
                folder.rmdir()


def _build(final: Path, month: str) -> Iterator[Path]:
    """Yield a temporary folder beside ``final``; swap it into place when the caller is done."""
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
