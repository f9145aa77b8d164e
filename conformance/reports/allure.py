"""Allure labels, links and attachments for the suite's tests, through allure-pytest's own API.
Used by the plugin only when allure-pytest writes results (``--alluredir``).

epic = document, feature = section, story = requirement ID, severity from the level
(MUST critical, SHOULD normal, MAY minor); a link to each RFC section; the redacted HTTP
exchanges and their ``curl`` commands attached as text.

allure-pytest writes a broken test's ``statusDetails`` itself: the trace from the report's
longrepr (redacted by the plugin before allure-pytest reads it) and the message from the raw
exception (``exconly()``), which no report holds. :class:`RedactResults`, an allure-commons
plugin, redacts both (and fixture results, steps and parameters) in memory, just before
allure-commons' file logger writes the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pytest
from allure_commons import hookimpl

from conformance.catalogue import Catalogue
from conformance.profile import Profile
from conformance.redact import Redactor
from conformance.reports.document import secret_refs, with_curl
from conformance.resultdoc import SHOWN
from conformance.results import Finding

SEVERITY = {"MUST": "critical", "SHOULD": "normal", "MAY": "minor"}
MAX_ATTACHED = 4  # exchanges per failing/warning finding
MAX_PASSING = 2  # exchanges per test from passing findings (evidence, not the whole run)


def active(config: pytest.Config) -> bool:
    return bool(getattr(config.option, "allure_report_dir", None))


def label_test(catalogue: Catalogue, rids: Sequence[str]) -> None:
    import allure

    reqs = [catalogue[r] for r in rids if r in catalogue]
    if not reqs:
        return
    allure.dynamic.epic(*sorted({catalogue.documents[r.document].title for r in reqs}))
    allure.dynamic.feature(*sorted({r.section_key for r in reqs}))
    allure.dynamic.story(*[r.id for r in reqs])
    worst = min(reqs, key=lambda r: ("MUST", "SHOULD", "MAY").index(r.level))
    allure.dynamic.severity(SEVERITY[worst.level])
    allure.dynamic.title(" + ".join(r.id for r in reqs))
    allure.dynamic.description("\n\n".join(f"**{r.id}** ({r.level}): {r.statement}\n\n{r.why}"
                                           for r in reqs))
    for r in reqs:
        allure.dynamic.link(r.url, name=f"{r.document} §{r.section}")


def attach_findings(findings: Sequence[Finding], redactor: Redactor,
                    profile: Profile, in_process: bool) -> None:
    """Attach a test's findings as text: the same redacted rows (with curl replays) the
    results document holds."""
    import allure

    refs = secret_refs(profile)
    rows = [with_curl(f.row(redactor, i), f, refs, redactor, in_process=in_process)
            for i, f in enumerate(findings)]
    bad = [r for r in rows if r.verdict in SHOWN]
    good = [r for r in rows if r.verdict not in SHOWN]
    passing_budget = MAX_PASSING
    for f in bad + good:
        is_bad = f.verdict in SHOWN
        limit = MAX_ATTACHED if is_bad else min(1, passing_budget)
        if not is_bad:
            passing_budget -= limit
        summary = (f"[{f.verdict.value}] {f.requirement}\nexpected: {f.expected}\n"
                   f"observed: {f.observed}" + (f"\nreason: {f.reason}" if f.reason else ""))
        for i, ex in enumerate(f.exchanges[:limit], 1):
            allure.attach("\n\n".join([summary, ex.console(), ex.curl or ""]),
                          name=f"{f.requirement} {f.verdict.value}: exchange {i}"
                          + (f" ({ex.label})" if ex.label else ""),
                          attachment_type=allure.attachment_type.TEXT)
        if not f.exchanges and is_bad:
            allure.attach(summary, name=f"{f.requirement} {f.verdict.value}",
                          attachment_type=allure.attachment_type.TEXT)


class RedactResults:
    """allure-commons plugin: redacts what allure-pytest took from the exception and report
    (status message and trace, of the test, its fixtures and steps) and the parameter values,
    before the file logger writes a result (``tryfirst``: it runs before the writer)."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor

    def _executable(self, item: object) -> None:
        clean = self.redactor.free_text
        details = getattr(item, "statusDetails", None)
        if details is not None:
            for name in ("message", "trace"):
                value = getattr(details, name, None)
                if isinstance(value, str):
                    setattr(details, name, clean(value))
        for param in getattr(item, "parameters", None) or ():
            if isinstance(getattr(param, "value", None), str):
                param.value = clean(param.value)
        for step in getattr(item, "steps", None) or ():
            self._executable(step)

    def _items(self, items: Iterable[object]) -> None:
        for item in items:
            self._executable(item)

    @hookimpl(tryfirst=True)
    def report_result(self, result: object) -> None:
        self._executable(result)

    @hookimpl(tryfirst=True)
    def report_container(self, container: object) -> None:
        self._items(getattr(container, "befores", None) or ())
        self._items(getattr(container, "afters", None) or ())


def register_redaction(redactor: Redactor) -> RedactResults:
    """Register a :class:`RedactResults` with allure-commons (undo with
    :func:`unregister_redaction`)."""
    from allure_commons import plugin_manager

    plugin = RedactResults(redactor)
    plugin_manager.register(plugin)
    return plugin


def unregister_redaction(plugin: RedactResults) -> None:
    from allure_commons import plugin_manager

    if plugin_manager.is_registered(plugin):
        plugin_manager.unregister(plugin)
