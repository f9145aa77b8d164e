"""Expected findings (``--expect FILE``): known deviations a vendor accepts while they are fixed.

The file is TOML, one ``[[expected]]`` table per known finding::

    [[expected]]
    requirement = "RFC6749-5.1-pragma"      # a requirement ID (cc-conformance list)
    verdict = "fail"                        # fail | warn | error: the verdict you expect today
    reason = "JIRA-123: Pragma header, fixed in 2.4"   # required: why, and where it is tracked
    target = "eu-west"                      # optional: only this target of a multi-target run

A requirement whose verdict matches an entry is *accepted*: it keeps its verdict in every report
(marked expected, with the reason) but does not fail the run. An entry is *stale* -- and the run
fails (exit 1) naming it -- when its requirement now passes or ends with another verdict, when
it matches nothing (an ID the catalogue does not have, a requirement no check ran, a target name
that is not in the run). Entries for requirements a ``--requirement`` selection left out are
not judged. Which entries apply and what they do to the exit status is decided in one place,
:func:`conformance.results.apply_expectations`; this module reads and writes the file.

``--print-expect`` writes ready-to-paste entries for a run's current fail/warn/error verdicts
(:func:`render_entries`).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

EXPECTABLE = ("fail", "warn", "error")
_KEYS = {"requirement", "verdict", "reason", "target"}


class ExpectError(ValueError):
    """The expected-findings file is unusable (exit status 2)."""


@dataclass(frozen=True, slots=True)
class Expectation:
    requirement: str
    verdict: str
    reason: str
    target: str | None = None
    where: str = ""  # "FILE entry N", for messages

    def label(self) -> str:
        on = f" on target {self.target!r}" if self.target else ""
        return f"{self.where}: {self.requirement} expected {self.verdict}{on} ({self.reason})"

    def to_dict(self) -> dict[str, object]:
        return {"requirement": self.requirement, "verdict": self.verdict,
                "reason": self.reason, "target": self.target}


def parse_expectations(data: Mapping[str, object], source: str) -> list[Expectation]:
    extra = sorted(k for k in data if k != "expected")
    if extra:
        raise ExpectError(f"{source}: unknown top-level key(s) {extra}; write one "
                          "[[expected]] table per known finding")
    raw = data.get("expected", [])
    if not isinstance(raw, list):
        raise ExpectError(f"{source}: 'expected' must be an array of tables ([[expected]])")
    out: list[Expectation] = []
    seen: dict[tuple[str, str | None], str] = {}
    for i, entry in enumerate(raw, 1):
        where = f"{source} entry {i}"
        if not isinstance(entry, Mapping):
            raise ExpectError(f"{where}: must be a table")
        unknown = sorted(set(entry) - _KEYS)
        if unknown:
            raise ExpectError(f"{where}: unknown field(s) {unknown} (expected one of: "
                              f"{', '.join(sorted(_KEYS))})")
        rid, verdict = entry.get("requirement"), entry.get("verdict")
        reason, target = entry.get("reason"), entry.get("target")
        if not isinstance(rid, str) or not rid.strip():
            raise ExpectError(f"{where}: 'requirement' is required (a requirement ID)")
        if verdict not in EXPECTABLE:
            raise ExpectError(f"{where}: 'verdict' must be one of {', '.join(EXPECTABLE)}, "
                              f"got {verdict!r}")
        if not isinstance(reason, str) or not reason.strip():
            raise ExpectError(f"{where}: 'reason' is required (why, and the ticket tracking "
                              "the fix)")
        if target is not None and (not isinstance(target, str) or not target):
            raise ExpectError(f"{where}: 'target' must be a target name")
        key = (rid.strip(), target)
        if key in seen:
            raise ExpectError(f"{where}: duplicates {seen[key]} ({rid}"
                              + (f", target {target!r}" if target else "") + ")")
        seen[key] = where
        out.append(Expectation(rid.strip(), str(verdict), reason.strip(), target, where))
    return out


def load_expectations(path: str | Path) -> list[Expectation]:
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ExpectError(f"--expect: file not found: {p}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ExpectError(f"--expect: {p} is not valid TOML: {exc}") from exc
    return parse_expectations(data, str(p))


def _toml_str(text: str) -> str:
    # A JSON string is a valid TOML basic string (same escapes), on one line.
    return json.dumps(" ".join(text.split()), ensure_ascii=False)


def render_entries(rows: Iterable[tuple[str, str, str]], *, target: str | None,
                   header: str = "") -> str:
    """``rows``: (requirement ID, verdict, reason) of the findings to expect, as TOML entries
    after ``header`` (written as comments)."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    for rid, verdict, reason in rows:
        lines += ["", "[[expected]]", f"requirement = {_toml_str(rid)}",
                  f"verdict = {_toml_str(verdict)}"]
        if target:
            lines.append(f"target = {_toml_str(target)}")
        lines.append(f"reason = {_toml_str(reason or 'TODO ticket: no reason recorded')}")
    return "\n".join(lines).lstrip("\n") + "\n"


def write_entries(path: str | Path, rows: Iterable[tuple[str, str, str]], *, target: str,
                  multi: bool, seed: int) -> None:
    """``--print-expect FILE``: the ready-to-paste entries of one target's run (named by
    target in a multi-target run, whose entries are then concatenated)."""
    header = (f"Expected findings of target {target!r} (cc-conformance --print-expect, seed "
              f"{seed}).\nReplace each TODO with the ticket that tracks the fix; pass the file "
              "with --expect FILE.")
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(render_entries(rows, target=target if multi else None, header=header),
                 encoding="utf-8")
