"""The conda environment mirrors pyproject.toml, the one source of dependencies."""

import re
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.support.paths import ROOT


def _name(spec: str) -> str:
    spec = spec.split(";")[0].strip()
    name = re.split(r"[<>=!~\[ ]", spec, maxsplit=1)[0]
    return name.lower().replace("_", "-")


def _spec(spec: str) -> str:
    spec = spec.split(";")[0].strip()
    spec = re.sub(r"\[[^\]]*\]", "", spec)
    return spec.lower().replace("_", "-").replace(" ", "")


#: pyproject name → conda-forge name, where they differ.
CONDA_NAMES = {"duckdb": "python-duckdb"}


def _pyproject_specs() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = [*project["dependencies"], *project["optional-dependencies"]["sql"]]
    out = set()
    for spec in map(_spec, specs):
        name = _name(spec)
        out.add(CONDA_NAMES.get(name, name) + spec[len(name) :])
    return out


def _environment_specs() -> set[str]:
    specs = set()
    in_deps = False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        if not line.startswith(" "):
            in_deps = line.startswith("dependencies:")
            continue
        m = re.match(r"^  - ([A-Za-z0-9_.\-]+.*)$", line)
        if in_deps and m and _name(m.group(1)) not in {"python", "pip", "pip:"}:
            specs.add(_spec(m.group(1)))
    return specs


def test_environment_yml_lists_the_same_packages_as_pyproject():
    assert _environment_specs() == _pyproject_specs()


def _pip_section(tmp_path: Path) -> Path:
    lines, inside = [], False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        if line.strip() == "- pip:":
            inside = True
            continue
        if inside and line.startswith("      - "):
            lines.append(line.removeprefix("      - "))
        elif inside:
            break
    path = tmp_path / "requirements.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_environment_yml_pip_section_is_a_valid_requirements_file(tmp_path):
    """conda hands the pip section to ``pip install -r``: parse it with pip's own parser."""
    from pip._internal.network.session import PipSession
    from pip._internal.req.req_file import parse_requirements

    reqs = list(parse_requirements(str(_pip_section(tmp_path)), session=PipSession()))
    assert [(r.requirement, r.is_editable) for r in reqs] == [(".", True)]


def test_lifetimes_is_not_a_runtime_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not [d for d in project["dependencies"] if d.startswith("lifetimes")]
    assert project["optional-dependencies"]["bench"] == ["lifetimes==0.11.3"]
    imports = re.compile(r"^\s*(?:import lifetimes|from lifetimes[. ])", re.M)
    users = [m.name for m in (ROOT / "clinicvalue").rglob("*.py") if imports.search(m.read_text())]
    assert users == []  # the package never imports it; only benchmarks/ and the tests do
    bench = [m.name for m in (ROOT / "benchmarks").rglob("*.py") if imports.search(m.read_text())]
    assert sorted(bench) == ["lifetimes_pipeline.py", "worker.py"]  # the yardstick sides


def test_every_runtime_dependency_is_importable():
    import importlib

    imports = {"charset-normalizer": "charset_normalizer", "pyyaml": "yaml", "python-pptx": "pptx"}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for spec in project["dependencies"]:
        name = _name(spec)
        importlib.import_module(imports.get(name, name.replace("-", "_")))


@pytest.mark.slow
def test_the_wheel_alone_makes_a_report_from_an_unrelated_folder(tmp_path):
    """Build sdist and wheel, install the wheel into a clean venv, report from elsewhere."""
    import os
    import subprocess
    import sys
    import venv

    from pypdf import PdfReader

    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True)  # fmt: skip
    (wheel,) = dist.glob("clinicvalue-*.whl")
    (sdist,) = dist.glob("clinicvalue-*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = tar.getnames()
    assert any(n.endswith("notebooks/monthly_report.ipynb") for n in names)
    assert any(n.endswith("data_samples/dental/visits.csv") for n in names)
    with zipfile.ZipFile(wheel) as z:
        inside = set(z.namelist())
    for name in (
        "clinicvalue/notebooks/monthly_report.ipynb",
        "clinicvalue/samples/dental/visits.csv",
        "clinicvalue/templates/report.css",
    ):
        assert name in inside, name  # fmt: skip

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    subprocess.run([bin_dir / "pip", "install", "--quiet", str(wheel)], check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "clinicvalue").mkdir()  # a folder named like the package must not shadow it
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}

    def run(*args):
        done = subprocess.run([str(a) for a in args], cwd=elsewhere, env=env,
                              capture_output=True, text=True)  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    assert run(bin_dir / "python", "-m", "clinicvalue", "--version").startswith("clinicvalue ")
    run(bin_dir / "clinicvalue", "demo", "--out", "demo-out")
    samples = run(
        bin_dir / "python",
        "-c",
        "from clinicvalue.bundled import samples_folder; print(samples_folder())",
    )
    general = Path(samples.strip()) / "general"
    assert str(env_dir) in str(general)  # the installed copy, not this checkout
    run(bin_dir / "clinicvalue", "report", "--visits", general / "visits.csv", "--patients",
        general / "patients.csv", "--profile", general / "clinic.toml", "--month", "2026-10",
        "--out", "reports")  # fmt: skip
    for pdf in (
        (elsewhere / "demo-out").glob("*/2026-10/report.pdf"),
        (elsewhere / "reports").glob("*/2026-10/report.pdf"),
    ):
        (path,) = list(pdf)
        reader = PdfReader(path)
        assert len(reader.pages) >= 8
        assert reader.pages[0].extract_text().strip()


def _words(text: str, name: str) -> list[str]:
    found = re.search(rf'{name}="([^"]*)"', text)
    assert found, name
    return found.group(1).split()


def test_the_container_installs_exactly_the_report_packages_of_system_deps():
    """No container engine runs here: the Dockerfile's package list is checked instead."""
    script = (ROOT / "scripts" / "system-deps.sh").read_text()
    docker = (ROOT / "Dockerfile").read_text()
    report = _words(script, "REPORT_PACKAGES")
    assert _words(docker, "ARG REPORT_PACKAGES") == report
    added = set(re.findall(r"\badd ([a-z0-9.+-]+)", script))
    assert added == set(report) | set(_words(script, "TEST_PACKAGES"))
    assert 'CMD ["batch", "clinics.toml", "--month", "previous"' in docker


def test_system_deps_runs_under_bash_3_2_syntax():
    script = (ROOT / "scripts" / "system-deps.sh").read_text()
    for bash4 in ("mapfile", "readarray", "declare -A", "${need[@]", ",,}", "^^}", "&>>"):
        assert bash4 not in script, bash4
    assert 'uname -s)" = "Darwin"' in script and "brew install" in script


def test_import_works_from_a_folder_holding_a_clone_named_like_the_package(tmp_path):
    import subprocess
    import sys

    (tmp_path / "clinicvalue").mkdir()  # e.g. ~/work holding the clone ~/work/clinicvalue
    done = subprocess.run(
        [sys.executable, "-c", "import clinicvalue; print(clinicvalue.ClvModel.__name__)"],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ClvModel"
