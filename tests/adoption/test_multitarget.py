"""Several targets in one run: parallel sessions on pytest-xdist workers, one report folder per
target, the combined matrix, and verdicts identical to separate single-target runs."""

from __future__ import annotations

from pathlib import Path

from conformance.exitstatus import combined as combined_status
from conformance.reports.matrix import build_matrix, render_markdown

from .conftest import PRAGMA, cli, load_json, verdicts

SEED = ("--seed", "5", "--examples", "3")


def _tests(doc: dict[str, object]) -> dict[str, str]:
    tests = doc["tests"]
    assert isinstance(tests, list)
    return {t["nodeid"]: t["outcome"] for t in tests}


def test_parallel_run_matches_sequential_single_runs(tmp_path: Path, ref_profile: Path,
                                                     broken_profile: Path) -> None:
    """Full suite, same seed, two targets (the reference and a variant that drops Pragma): the
    per-requirement verdicts and per-test outcomes of the parallel run (2 xdist workers), of the
    same run without xdist (--jobs 0) and of two separate single-target runs are identical."""
    par = tmp_path / "parallel"
    run = cli("run", "--profile", ref_profile, "--profile", broken_profile, *SEED,
              "--jobs", "2", "--report-dir", par)
    assert run.status == 1, run.console  # the variant fails, so the run does
    assert "2 at a time on pytest-xdist workers" in run.stdout
    assert run.stdout.strip().splitlines()[-1] == str(par / "matrix.html")
    for name in ("ref", "nopragma"):
        for f in ("report.html", "results.json", "junit.xml", "SHA256SUMS", "console.txt"):
            assert (par / name / f).is_file(), (name, f)
    parallel = {n: load_json(par / n / "results.json") for n in ("ref", "nopragma")}

    seq = tmp_path / "sequential"
    run0 = cli("run", "--profile", ref_profile, "--profile", broken_profile, *SEED,
               "--jobs", "0", "--report-dir", seq)
    assert run0.status == 1, run0.console
    assert "one after another" in run0.stdout
    no_xdist = {n: load_json(seq / n / "results.json") for n in ("ref", "nopragma")}

    single = {}
    for name, prof in (("ref", ref_profile), ("nopragma", broken_profile)):
        one = cli("run", "--profile", prof, *SEED, "--report-dir", tmp_path / f"single-{name}")
        assert one.status == (0 if name == "ref" else 1), one.console
        single[name] = load_json(tmp_path / f"single-{name}" / "results.json")

    for name in ("ref", "nopragma"):
        expected = verdicts(single[name])
        assert verdicts(parallel[name]) == expected
        assert verdicts(no_xdist[name]) == expected
        assert _tests(parallel[name]) == _tests(single[name]) == _tests(no_xdist[name])
        assert parallel[name]["run"]["seed"] == 5  # type: ignore[index]
        assert parallel[name]["run"]["target_name"] == name  # type: ignore[index]
    # and the two targets really differ where the variant is broken, only there
    ref_v, bad_v = verdicts(single["ref"]), verdicts(single["nopragma"])
    assert ref_v[PRAGMA] == "pass" and bad_v[PRAGMA] == "fail"
    assert {k for k in ref_v if ref_v[k] != bad_v[k]} == {PRAGMA}

    # the combined matrix, from the per-target results documents
    md = (par / "matrix.md").read_text(encoding="utf-8")
    assert md == render_markdown(build_matrix([parallel["ref"], parallel["nopragma"]],
                                              {"ref": "ref/report.html",
                                               "nopragma": "nopragma/report.html"}))
    row = next(line for line in md.splitlines() if line.startswith(f"| [{PRAGMA}]"))
    assert row.endswith("| MUST | pass | **FAIL** |")
    assert "1 with different verdicts across targets" in md
    html = (par / "matrix.html").read_text(encoding="utf-8")
    assert 'href="nopragma/report.html#req-RFC6749-5.1-pragma"' in html
    assert html.count('<tr class="differs">') == 1
    assert "<script" not in html


def test_matrix_from_documents_handles_missing_rows_and_same_names() -> None:
    def doc(name: str, rows: dict[str, str], status: int) -> dict[str, object]:
        return {"schema": "cc-conformance/results", "schema_version": 1,
                "tool": {"name": "cc-conformance", "version": "0"},
                "run": {"target_name": name, "target": {"kind": "url", "location": "u"},
                        "spec_profile": "rfc6749", "strict": False, "seed": 0, "started": "",
                        "duration_s": 0.0, "selected_requirements": None,
                        "exit_status": status, "notes": [], "expectations": None},
                "summary": {"verdicts": {}, "sections": []},
                "requirements": [{"id": k, "document": "RFC6749", "section": "5.1",
                                  "level": "MUST", "statement": "s <b>", "url": "https://x",
                                  "verdict": v, "reason": "r", "finding_ids": []}
                                 for k, v in rows.items()],
                "findings": [], "tests": []}

    m = build_matrix([doc("a", {"X": "pass", "Y": "fail"}, 1), doc("a", {"X": "pass"}, 0)])
    assert [c.name for c in m.columns] == ["a", "a #2"]
    assert m.verdicts("a #2") == {"X": "pass", "Y": None}
    assert m.differing() == ["Y"]
    assert "| **FAIL** | — |" in render_markdown(m)


def test_combined_exit_status() -> None:
    assert combined_status([0, 0]) == 0
    assert combined_status([0, 3]) == 3
    assert combined_status([3, 1]) == 1
    assert combined_status([1, 2]) == 2
    assert combined_status([0, None]) == 2


def test_multi_target_configuration_errors(tmp_path: Path, ref_profile: Path) -> None:
    twin = tmp_path / "twin.toml"
    twin.write_text(ref_profile.read_text(encoding="utf-8"), encoding="utf-8")
    dup = cli("run", "--profile", ref_profile, "--profile", twin, "--no-reports")
    assert dup.status == 2
    assert "both name their target 'ref'" in dup.stderr
    url = cli("run", "--profile", ref_profile, "--profile", twin, "--url",
              "https://as.example/token", "--no-reports")
    assert url.status == 2 and "--url apply to one target" in url.stderr
    missing = cli("run", "--profile", ref_profile, "--profile", tmp_path / "nope.toml")
    assert missing.status == 2 and "nope.toml" in missing.stderr and "not found" in missing.stderr


def test_expectations_per_target(tmp_path: Path, ref_profile: Path,
                                 broken_profile: Path) -> None:
    """An entry naming one target applies there only; --print-expect names the target."""
    printed = cli("run", "--profile", ref_profile, "--profile", broken_profile, "--requirement",
                  PRAGMA, *SEED, "--no-reports", "--print-expect")
    assert printed.status == 1, printed.console
    assert 'target = "nopragma"' in printed.stdout
    assert printed.stdout.count("[[expected]]") == 1
    exp = tmp_path / "expect.toml"
    exp.write_text(printed.stdout, encoding="utf-8")
    ok = cli("run", "--profile", ref_profile, "--profile", broken_profile, "--requirement",
             PRAGMA, *SEED, "--no-reports", "--expect", exp)
    assert ok.status == 0, ok.console
    assert f"FAIL {PRAGMA}" in ok.stdout and "[expected]" in ok.stdout
