"""Progress bars: on for terminals or when forced, off for pipes, always on stderr."""

from __future__ import annotations

import io

import pytest

from clinicvalue.progress import bars_enabled, progress, step


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_disabled_for_a_non_tty_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLINICVALUE_PROGRESS", raising=False)
    buf = io.StringIO()
    assert list(progress(range(3), desc="load", file=buf)) == [0, 1, 2]
    assert buf.getvalue() == ""


def test_enabled_on_a_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLINICVALUE_PROGRESS", raising=False)
    buf = _Tty()
    assert list(progress([1, 2], desc="load", file=buf)) == [1, 2]
    assert "load" in buf.getvalue()
    assert "2/2" in buf.getvalue()


def test_forced_on_writes_the_description() -> None:
    buf = io.StringIO()
    with progress(5, desc="scoring", enabled=True, file=buf) as bar:
        bar.update(5)
    assert "scoring" in buf.getvalue()
    assert "5/5" in buf.getvalue()


def test_int_is_a_total() -> None:
    bar = progress(7, enabled=False)
    assert bar.total == 7
    bar.close()


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("0", False), ("off", False)])
def test_environment_variable_overrides_tty(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: bool
) -> None:
    monkeypatch.setenv("CLINICVALUE_PROGRESS", value)
    assert bars_enabled(file=io.StringIO()) is expected
    assert bars_enabled(file=_Tty()) is expected


def test_explicit_flag_beats_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLINICVALUE_PROGRESS", "1")
    assert bars_enabled(False) is False


def test_defaults_to_stderr(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLINICVALUE_PROGRESS", "1")
    list(progress(range(2), desc="to-stderr"))
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "to-stderr" in captured.err


def test_step_reports_done_with_time() -> None:
    buf = io.StringIO()
    with step("summary", enabled=True, file=buf):
        pass
    assert "summary" in buf.getvalue()
    assert "done in" in buf.getvalue()


def test_step_marks_failure_and_reraises() -> None:
    buf = io.StringIO()
    with pytest.raises(RuntimeError, match="boom"), step("fit", enabled=True, file=buf):
        raise RuntimeError("boom")
    assert "failed" in buf.getvalue()
    assert "done in" not in buf.getvalue()


def test_step_silent_when_disabled() -> None:
    buf = io.StringIO()
    with step("quiet", enabled=False, file=buf):
        pass
    assert buf.getvalue() == ""
