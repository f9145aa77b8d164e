"""The CI templates cannot run here (no GitHub or GitLab): check they are well-formed YAML of the
expected shape, and that the options they pass exist on the CLI."""

from __future__ import annotations

import re

import pytest

from conformance.cli import _parser
from tests.demo import ROOT

from .yaml_subset import YamlError, parse


def _run_options() -> set[str]:
    run = _parser()._subparsers._group_actions[0].choices["run"]  # type: ignore[union-attr]
    return {s for a in run._actions for s in a.option_strings}


def test_github_composite_action() -> None:
    action = parse((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert isinstance(action, dict)
    assert set(action["inputs"]) >= {"url", "profile", "strict", "expect"}
    runs = action["runs"]
    assert runs["using"] == "composite"
    uses = [s.get("uses", "") for s in runs["steps"]]
    assert any(u.startswith("actions/setup-python@") for u in uses)
    upload = next(s for s in runs["steps"] if s.get("uses", "").startswith(
        "actions/upload-artifact@"))
    assert upload["if"] == "always()"  # reports are uploaded when the suite fails too
    assert upload["with"]["path"] == "${{ inputs.report-dir }}"
    for step in runs["steps"]:
        if "run" in step:
            assert step["shell"] == "bash"  # composite run steps must name their shell
    script = next(s["run"] for s in runs["steps"] if s.get("id") == "run")
    used = set(re.findall(r"(--[a-z-]+)", script))
    assert used <= _run_options(), used - _run_options()
    assert {"--strict", "--expect", "--profile", "--url"} <= used


def test_gitlab_template() -> None:
    doc = parse((ROOT / "ci" / "gitlab-ci-template.yml").read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    job = doc[".cc-conformance"]
    assert job["artifacts"]["when"] == "always"
    assert "reports/" in job["artifacts"]["paths"]
    assert job["artifacts"]["reports"]["junit"].endswith("junit.xml")
    script = "\n".join(job["script"])
    used = set(re.findall(r"(--[a-z-]+)", script)) - {"--disable-pip-version-check"}
    assert used <= _run_options(), used - _run_options()


def test_docs_worked_example_names_the_templates() -> None:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    for needle in ("action.yml", "ci/gitlab-ci-template.yml", "--strict", "not run here",
                   "python -m reference_impl serve", "upload-artifact"):
        assert needle in text, needle
    for code in ("`0`", "`1`", "`2`", "`3`"):
        assert code in text


@pytest.mark.parametrize("bad", ["a: [1, 2]\n", "a:\n\tb: 1\n", "a: 1\na: 2\n",
                                 "a:\n  b: 1\n    c: 2\n", 'a: "open\n'])
def test_subset_parser_rejects_what_it_does_not_understand(bad: str) -> None:
    with pytest.raises(YamlError):
        parse(bad)
