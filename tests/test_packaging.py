"""The conda environment mirrors pyproject.toml, the one source of dependencies."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(spec: str) -> str:
    spec = spec.split(";")[0].strip()
    name = re.split(r"[<>=!~\[ ]", spec, maxsplit=1)[0]
    return name.lower().replace("_", "-")


def _spec(spec: str) -> str:
    spec = spec.split(";")[0].strip()
    spec = re.sub(r"\[[^\]]*\]", "", spec)
    return spec.lower().replace("_", "-").replace(" ", "")


def _pyproject_specs() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in ("dev", "sql"):
        specs += project["optional-dependencies"][extra]
    return {_spec(s) for s in specs}


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


def test_environment_yml_installs_the_kit_itself_without_deps():
    text = (ROOT / "environment.yml").read_text()
    assert "- --no-deps" in text and "- -e ." in text


def test_every_runtime_dependency_is_importable():
    import importlib

    imports = {"charset-normalizer": "charset_normalizer", "pyyaml": "yaml"}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for spec in project["dependencies"]:
        name = _name(spec)
        importlib.import_module(imports.get(name, name.replace("-", "_")))
