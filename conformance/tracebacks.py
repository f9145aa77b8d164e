"""Redacting what pytest shows of a broken test, before anything writes it.

A traceback of a suite test can hold the credentials it was sending: a frame's arguments and
locals (``--tb=long``, ``-l``), an exception message, captured output, a Hypothesis
"Falsifying example". pytest builds that text once, as the report's ``longrepr`` (a tree of
``ReprEntry``/``ReprFuncArgs``/``ReprLocals``/... objects) and ``sections``, and every writer
reads it from there: the console, ``--junitxml``, allure-pytest's ``statusTrace``, the pytest-xdist
wire format. The plugin passes each report through :func:`redact_report` as soon as it is made
(and again before it is logged), so those writers only ever see redacted text.

The tree is redacted in place, every string in it through :meth:`Redactor.free_text`, so the
console keeps its layout and colours; if the rendered text still changes under the redactor
(an object this walk does not know), the longrepr is replaced by the redacted rendering.
"""

from __future__ import annotations

import dataclasses
import logging
import warnings
from collections.abc import Callable

import pytest
from _pytest._code.code import TerminalRepr

from conformance.redact import Redactor

Clean = Callable[[str], str]


def scrub(obj: object, clean: Clean) -> object:
    """``obj`` with every string inside it passed through ``clean``: strings, tuples and lists
    are rebuilt, dataclasses and pytest's ``TerminalRepr`` objects are changed in place."""
    return _scrub(obj, clean, set())


def _scrub(obj: object, clean: Clean, seen: set[int]) -> object:
    if isinstance(obj, str):
        return clean(obj)
    if isinstance(obj, tuple):
        return tuple(_scrub(v, clean, seen) for v in obj)
    if isinstance(obj, list):
        obj[:] = [_scrub(v, clean, seen) for v in obj]
        return obj
    if id(obj) in seen:
        return obj
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        seen.add(id(obj))
        for f in dataclasses.fields(obj):
            object.__setattr__(obj, f.name, _scrub(getattr(obj, f.name), clean, seen))
    elif isinstance(obj, TerminalRepr) and hasattr(obj, "__dict__"):
        seen.add(id(obj))
        for name, value in vars(obj).items():
            setattr(obj, name, _scrub(value, clean, seen))
    return obj


def _render(longrepr: object) -> str:
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (path, lineno, message)
        return str(longrepr[2])
    return str(longrepr)


def redact_longrepr(longrepr: object, redactor: Redactor) -> object:
    """The redacted form of a report's ``longrepr`` (the same object where possible)."""
    if longrepr is None:
        return None
    clean = redactor.free_text
    try:
        longrepr = scrub(longrepr, clean)
        text = _render(longrepr)
    except Exception:  # an unknown repr: fall back to its redacted rendering
        return clean(_safe_str(longrepr))
    if clean(text) != text:
        return clean(text)
    return longrepr


def _safe_str(obj: object) -> str:
    try:
        return str(obj)
    except Exception:  # nothing of it can be shown safely
        return f"<{type(obj).__name__}: not representable>"


def redact_report(report: pytest.TestReport | pytest.CollectReport, redactor: Redactor) -> None:
    """Redact a report's failure representation and captured sections in place."""
    report.longrepr = redact_longrepr(report.longrepr, redactor)  # type: ignore[assignment]
    clean = redactor.free_text
    report.sections = [(clean(title), clean(content)) for title, content in report.sections]


def redact_excrepr(excrepr: object, redactor: Redactor) -> None:
    """Redact an internal error's representation in place (every hook prints the same
    object)."""
    scrub(excrepr, redactor.free_text)


def redact_warning(message: warnings.WarningMessage, redactor: Redactor) -> None:
    """Redact a recorded warning's message in place (e.g. an unraisable exception's
    traceback)."""
    text = _safe_str(message.message)
    clean = redactor.free_text(text)
    if clean == text:
        return
    category = message.category if isinstance(message.category, type) else UserWarning
    try:
        message.message = category(clean)
    except Exception:  # a warning class with another signature
        message.message = UserWarning(clean)


class RedactingLogFilter(logging.Filter):
    """A handler filter that redacts each record (message, arguments, exception text) before
    the handler formats it: live logs (``--log-cli-level``), ``--log-file``, captured logs."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        clean = self.redactor.free_text
        try:
            message = record.getMessage()
        except Exception:  # a bad format: leave it to the handler
            return True
        redacted = clean(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = clean(record.exc_text)
        if record.stack_info:
            record.stack_info = clean(record.stack_info)
        return True


LOGGING_HANDLERS = ("caplog_handler", "report_handler", "log_file_handler", "log_cli_handler")


def filter_pytest_logging(config: pytest.Config, log_filter: logging.Filter) -> None:
    """Put ``log_filter`` on every handler of pytest's logging plugin."""
    plugin = config.pluginmanager.get_plugin("logging-plugin")
    for name in LOGGING_HANDLERS:
        handler = getattr(plugin, name, None)
        if isinstance(handler, logging.Handler) and log_filter not in handler.filters:
            handler.addFilter(log_filter)
