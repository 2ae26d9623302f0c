"""Execute a parameterised notebook with papermill on the kit's own kernel.

The kernel is named ``clinicvalue`` (``make`` installs it into the virtualenv); when the
machine's Jupyter set-up lacks it, or it points at another Python, a private kernelspec
for this very interpreter is registered for the run. Progress bars are plain text (no
widgets), and success is judged by the files the notebook must write.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from clinicvalue.bundled import notebooks_folder
from clinicvalue.errors import InputError, ReportError, StaleDataError

__all__ = ["KERNEL_NAME", "notebook_path", "kernel_env", "execute_notebook"]

KERNEL_NAME = "clinicvalue"


def notebook_path(name: str) -> Path:
    """Return the path of the kit's notebook ``name`` (e.g. ``monthly_report.ipynb``)."""
    path = notebooks_folder() / name
    if not path.is_file():
        raise ReportError(f"notebook {name} not found in {path.parent}; reinstall the kit")
    return path


def _kernel_ok() -> bool:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        return False
    exe = spec.argv[0] if spec.argv else ""
    # compare unresolved paths: two virtualenvs share one resolved interpreter
    return os.path.abspath(exe) == os.path.abspath(sys.executable)


@contextmanager
def kernel_env() -> Iterator[dict[str, str]]:
    """Make the ``clinicvalue`` kernel resolve to this interpreter for the block.

    Yields the environment the kernel inherits: plain progress bars, no widgets.
    """
    saved = {k: os.environ.get(k) for k in ("JUPYTER_PATH", "TQDM_DISABLE", "MPLBACKEND")}
    with tempfile.TemporaryDirectory(prefix="cv-kernel-") as tmp:
        if not _kernel_ok():
            spec_dir = Path(tmp) / "kernels" / KERNEL_NAME
            spec_dir.mkdir(parents=True)
            spec = {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "clinicvalue",
                "language": "python",
            }
            (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
            os.environ["JUPYTER_PATH"] = os.pathsep.join(
                [tmp, *([saved["JUPYTER_PATH"]] if saved["JUPYTER_PATH"] else [])]
            )
        os.environ["TQDM_DISABLE"] = "1"
        os.environ.pop("MPLBACKEND", None)
        try:
            yield dict(os.environ)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@contextmanager
def _private_sockets() -> Iterator[Any]:
    """Yield kernel-manager config that talks to the kernel over Unix sockets.

    Patient data passes between the notebook and its kernel; Unix sockets in a folder only
    this user can open keep it off the network (and spare the log the kernel's warning
    about unencrypted TCP). Where the socket path would be too long, TCP on localhost.
    """
    from traitlets.config import Config

    with tempfile.TemporaryDirectory(prefix="cv-ipc-") as folder:
        os.chmod(folder, 0o700)
        path = os.path.join(folder, "kernel")
        if os.name != "posix" or len(path) > 90:  # sun_path holds ~100 bytes with the port
            yield Config()
            return
        yield Config({"KernelManager": {"transport": "ipc", "ip": path}})


def execute_notebook(
    source: str | Path,
    output: str | Path,
    *,
    parameters: dict[str, Any],
    expect: Iterable[str | Path] = (),
    timeout: int = 600,
    cwd: str | Path | None = None,
) -> Path:
    """Run ``source`` with ``parameters`` into ``output``; check the files in ``expect``.

    The notebook runs in ``cwd`` (default: its own folder, as in JupyterLab), so relative
    paths in its parameters resolve as they do for an analyst.

    Raises
    ------
    InputError
        When a parameter is not declared in the notebook's ``parameters`` cell.
    ReportError
        When a cell fails, times out, or an expected file is missing afterwards.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    declared = set(pm.inspect_notebook(str(source)))
    unknown = sorted(set(parameters) - declared)
    if unknown:
        raise InputError(
            f"{Path(source).name} has no parameter {', '.join(unknown)}; "
            f"its parameters are {', '.join(sorted(declared))}"
        )
    with kernel_env(), _private_sockets() as config:
        try:
            pm.execute_notebook(
                str(source),
                str(output),
                parameters=parameters,
                kernel_name=KERNEL_NAME,
                execution_timeout=timeout,
                progress_bar=False,
                log_output=False,
                cwd=str(cwd) if cwd else str(Path(source).resolve().parent),
                config=config,
            )
        except PapermillExecutionError as exc:
            if exc.ename == "StaleDataError":
                raise StaleDataError(str(exc.evalue)) from exc
            if exc.ename in ("InputError", "ProfileError", "OptionError"):
                raise InputError(str(exc.evalue)) from exc
            raise ReportError(
                f"{Path(source).name} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
            ) from exc
        except TimeoutError as exc:
            raise ReportError(
                f"{Path(source).name} timed out: a cell ran longer than {timeout} s"
            ) from exc
        except Exception as exc:  # kernel died, cell timeout (nbclient's own errors) …
            name = type(exc).__name__
            if "Timeout" in name or "DeadKernel" in name:
                raise ReportError(f"{Path(source).name} did not finish: {name}: {exc}") from exc
            raise
    missing = [str(p) for p in expect if not Path(p).is_file()]
    if missing:
        raise ReportError(
            f"{Path(source).name} ran but did not write {', '.join(missing)}; see {output}"
        )
    return Path(output)
