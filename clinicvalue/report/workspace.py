"""Atomic report folders: build in a temporary folder, rename into place on success.

``reports/<clinic>/<YYYY-MM>/`` appears only complete. A failed run removes its
temporary folder and leaves any earlier report (of this or another month) untouched. Only
the kit's own report folders are ever replaced: each carries a marker file, and any other
folder or file at the target is refused untouched. A lock file (holding the run's process
id and that process's start time) stops two runs of the same clinic and month from
colliding; a lock left by a run that was killed is taken over, even when the system has
since given its process id to another program. Temporary folders a killed run left behind
(they can hold contact details) are removed by the next run of that clinic.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from clinicvalue.errors import ReportError
from clinicvalue.names import check_clinic_id, parse_month

__all__ = ["ARTEFACTS", "MARKER", "report_folder", "report_workspace", "is_kit_folder"]

#: File written into every report folder; a folder without it is never replaced.
MARKER = ".clinicvalue-report"
#: What a report folder holds; one written before the marker existed holds only these.
ARTEFACTS = ("report.ipynb", "metrics.json", "actions.xlsx", "report.html", "report.pdf")


def report_folder(out: str | Path, clinic_id: str, month: str) -> Path:
    """Return ``out/<clinic_id>/<month>`` (the final folder of a report).

    Raises
    ------
    InputError
        When the id is not a safe folder name or the month is not ``YYYY-MM``.
    """
    return Path(out) / check_clinic_id(clinic_id) / parse_month(month, allow_previous=False)


def is_kit_folder(folder: Path) -> bool:
    """Return whether ``folder`` is a report folder the kit wrote (and may replace).

    That is a real folder (not a link) with the marker, or, for reports written before
    the marker, one that holds nothing but the kit's own artefacts.
    """
    if not folder.is_dir() or folder.is_symlink():
        return False
    if (folder / MARKER).is_file():
        return True
    entries = list(folder.iterdir())
    return bool(entries) and all(e.name in ARTEFACTS and e.is_file() for e in entries)


def _start_time(pid: int) -> str | None:
    """Return the start time of process ``pid`` as the kernel records it, or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22: start time in clock ticks


def _holder(path: Path) -> tuple[int, str | None] | None:
    """Return the (pid, start time) written in a lock file, or None when unreadable."""
    try:
        pid, _, started = path.read_text(encoding="ascii").strip().partition(" ")
        return int(pid), started or None
    except (OSError, ValueError):
        return None


def _alive(pid: int, started: str | None) -> bool:
    """Return whether the run that wrote the lock is still going."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive unless its start time differs
        pass
    now = _start_time(pid)
    return started is None or now is None or now == started


@contextmanager
def _lock(path: Path) -> Iterator[None]:
    for attempt in (1, 2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            break
        except FileExistsError as exc:
            holder = _holder(path)
            if attempt == 1 and (holder is None or not _alive(*holder)):
                path.unlink(missing_ok=True)  # left by a run that was killed: take it over
                continue
            pid = holder[0] if holder else "?"
            raise ReportError(
                f"another run (process {pid}) is writing "
                f"{path.parent / path.name[1:].removesuffix('.lock')}; "
                f"wait for it, or delete {path} if no run is going on"
            ) from exc
    try:
        os.write(fd, f"{os.getpid()} {_start_time(os.getpid()) or ''}".strip().encode())
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


def _refuse_foreign(final: Path) -> None:
    """Raise unless ``final`` is absent or a report folder the kit wrote."""
    if (final.exists() or final.is_symlink()) and not is_kit_folder(final):
        what = "a file" if final.is_file() else "a link" if final.is_symlink() else "a folder"
        raise ReportError(
            f"{final} already exists and is {what} the kit did not write (it has no "
            f"{MARKER} marker); it was left untouched. Move it away or choose another --out"
        )


def _remove_leftovers(parent: Path, month: str) -> None:
    """Remove temporary folders of this clinic left by runs that were killed.

    This month's are ours to clear (the caller holds its lock); another month's only when
    no live run holds that month's lock.
    """
    for left in sorted([*parent.glob(".*.tmp-*"), *parent.glob(".*.old-*")]):
        other = left.name[1:].split(".", 1)[0]
        if not left.is_dir() or left.is_symlink():
            continue
        if other != month:
            holder = _holder(parent / f".{other}.lock")
            if holder is not None and _alive(*holder):
                continue
        shutil.rmtree(left, ignore_errors=True)


@contextmanager
def report_workspace(out: str | Path, clinic_id: str, month: str) -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces ``out/<clinic>/<month>``.

    Raises
    ------
    ReportError
        When another run holds the lock for the same clinic and month, or the target
        exists but is not a report folder the kit wrote.
    """
    final = report_folder(out, clinic_id, month)
    _refuse_foreign(final)
    created = _make_parents(final.parent)
    try:
        with _lock(final.parent / f".{month}.lock"):
            _remove_leftovers(final.parent, month)
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
        (tmp / MARKER).write_text(
            "This folder was written by clinicvalue; the next run of this clinic and month "
            "replaces it.\n",
            encoding="utf-8",
        )
        _refuse_foreign(final)  # checked again: something may have appeared meanwhile
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
