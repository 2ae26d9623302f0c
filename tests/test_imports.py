"""The package starts light: commands load only what they use, and every public name resolves."""

from __future__ import annotations

import subprocess
import sys

import pytest

import clinicvalue


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {m.split(".")[0] if not m.startswith("clinicvalue") else m for m in out.stdout.split()}


def test_the_command_line_and_the_loader_do_not_import_the_report_stack():
    loaded = _modules_after("import clinicvalue.cli, clinicvalue.load")
    assert not {"matplotlib", "statsmodels", "weasyprint", "pptx", "nbformat"} & loaded
    assert "clinicvalue.report.run" not in loaded and "clinicvalue.analyses.run" not in loaded


def test_scoring_does_not_import_plots_or_statsmodels():
    loaded = _modules_after("import clinicvalue.analyses.scoring")
    assert not {"matplotlib", "statsmodels", "weasyprint"} & loaded


@pytest.mark.parametrize("name", clinicvalue.__all__)
def test_every_public_name_resolves(name):
    assert getattr(clinicvalue, name) is not None


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        clinicvalue.nope  # noqa: B018


def test_a_public_function_named_like_a_subpackage_stays_the_function():
    import clinicvalue.summarize.features  # noqa: F401 - the import that used to shadow it
    from clinicvalue import summarize

    assert callable(summarize) and summarize.__module__ == "clinicvalue.summarize.summary"
