"""The CI templates' structure: well-formed YAML of the expected shape, only options the CLI has,
the docs' worked examples identical to the fixtures that real local runners run
(tests/ci_templates, make ci-templates)."""

from __future__ import annotations

import re
import shutil
import subprocess

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
    for needle in ("action.yml", "ci/gitlab-ci-template.yml", "--strict", "make ci-templates",
                   "not built here", "python -m reference_impl serve", "upload-artifact",
                   "--entrypoint python", "--host 0.0.0.0", "-u \"$(id -u):$(id -g)\""):
        assert needle in text, needle
    for code in ("`0`", "`1`", "`2`", "`3`"):
        assert code in text


def test_docs_worked_examples_are_the_fixtures_the_runners_run() -> None:
    """What docs/ci.md shows is what make ci-templates runs: the GitLab job and the whole
    GitHub workflow (from its name on) appear in the docs verbatim."""
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    gitlab = (ROOT / "tests" / "ci_templates" / "gitlab" / ".gitlab-ci.yml").read_text("utf-8")
    github = (ROOT / "tests" / "ci_templates" / "github" / ".github" / "workflows" /
              "conformance.yml").read_text("utf-8")
    assert gitlab[gitlab.index("\nconformance:\n") + 1:] in text
    assert github[github.index("name: conformance\n"):] in text


def test_action_leaves_the_callers_python_and_always_sets_exit_status() -> None:
    action = parse((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert isinstance(action, dict)
    steps = action["runs"]["steps"]
    setup = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert setup["if"] == "inputs.python-version != ''"
    assert action["inputs"]["python-version"]["default"] == ""
    status = next(s for s in steps if s.get("id") == "status")
    assert status["if"] == "always()"
    assert action["outputs"]["exit-status"]["value"] == "${{ steps.status.outputs.exit-status }}"
    install = next(s for s in steps if s.get("id") == "install")
    assert "venv" in install["run"] and "GITHUB_PATH" not in install["run"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize(("package", "extras", "spec"), [
    ("cc-conformance @ git+https://h.example/o/cc.git@v1", "serve",
     "cc-conformance[serve] @ git+https://h.example/o/cc.git@v1"),
    ("./dist/cc_conformance-0.1.0-py3-none-any.whl", "serve",
     "./dist/cc_conformance-0.1.0-py3-none-any.whl[serve]"),
    ("cc-conformance==0.1.0", "", "cc-conformance==0.1.0"),
])
def test_templates_put_extras_where_pip_takes_them(package: str, extras: str,
                                                   spec: str) -> None:
    """``"$CC_PACKAGE[serve]"`` would put the extras into a git URL: both templates splice them
    in before `` @ `` (the same shell lines in each)."""
    doc = parse((ROOT / "ci" / "gitlab-ci-template.yml").read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    install = doc[".cc-conformance"]["before_script"][0]
    splice = install[:install.index("\nfi\n", install.index("esac")) + 4]
    action = (ROOT / "action.yml").read_text(encoding="utf-8")
    assert " ".join(splice.split()[1:]) in " ".join(action.split())
    out = subprocess.run(["bash", "-c", splice + 'printf %s "$spec"'],  # noqa: S603, S607
                         env={"CC_PACKAGE": package, "CC_EXTRAS": extras}, check=True,
                         capture_output=True, text=True).stdout
    assert out == spec


@pytest.mark.parametrize("bad", ["a: [1, 2]\n", "a:\n\tb: 1\n", "a: 1\na: 2\n",
                                 "a:\n  b: 1\n    c: 2\n", 'a: "open\n'])
def test_subset_parser_rejects_what_it_does_not_understand(bad: str) -> None:
    with pytest.raises(YamlError):
        parse(bad)
