"""One exception family for the kit.

Every error a clinic analyst can cause or fix derives from :class:`ClinicValueError`;
the command line turns any of them into one clear line and a non-zero exit.
"""

from __future__ import annotations

__all__ = [
    "ClinicValueError",
    "InputError",
    "ProfileError",
    "OptionError",
    "NotFittedError",
    "ConvergenceError",
    "ReportError",
    "GlyphError",
    "SecretError",
    "StaleDataError",
]


class ClinicValueError(Exception):
    """Root of every error raised by clinicvalue."""


class InputError(ClinicValueError):
    """Bad input data, located as precisely as the kit can.

    Parameters
    ----------
    message
        What is wrong and what was expected, in plain words.
    file
        The input file's name (or a source such as ``SQL query``).
    line
        The 1-based line number in the file (header is line 1 for text files).
    column
        The column as the user's file names it.
    value
        The offending value, as read.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
        value: object = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.value = value
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column {self.column}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class ProfileError(ClinicValueError):
    """A clinic profile (TOML) that cannot be used as written."""


class OptionError(ClinicValueError, ValueError):
    """An option outside its allowed values; the message lists them."""


class NotFittedError(ClinicValueError):
    """A model was asked to predict before it was fitted."""


class ConvergenceError(ClinicValueError):
    """A model fit failed on every step of its retry ladder."""


class StaleDataError(InputError):
    """The data end too long before the report month's last day for a full report."""


class ReportError(ClinicValueError):
    """A report run that did not produce every artefact it must."""


class GlyphError(ReportError):
    """A chart would show empty boxes: its fonts lack characters it draws.

    Never turned into a section's one-line note: the whole run stops.
    """


class SecretError(ClinicValueError):
    """No pseudonym secret could be read or created (patient keys need one)."""


def check_option(name: str, value: object, allowed: tuple[object, ...] | list[object]) -> None:
    """Raise :class:`OptionError` unless ``value`` is one of ``allowed``.

    Parameters
    ----------
    name
        The option's name as the user writes it.
    value
        The value given.
    allowed
        Every value the option accepts.
    """
    if value not in allowed:
        shown = ", ".join(repr(a) for a in allowed)
        raise OptionError(f"{name} must be one of {shown}; got {value!r}")
