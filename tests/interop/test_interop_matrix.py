"""The interop matrix on canned results (no peer library needed): the one matrix builder
(conformance.reports.matrix) with the hand-checked notes of interop/findings.toml as overlay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance.reports.matrix import Missing, build_matrix, render_html, render_markdown
from interop.notes import Note, load_notes, overlay, unreviewed
from tests.interop.canned import results_doc

ROOT = Path(__file__).resolve().parents[2]


def _doc(name: str, verdicts: dict[str, str]) -> dict[str, Any]:
    reqs = [{"id": rid, "document": "RFC 6749", "section": "5.1", "level": "MUST",
             "statement": f"statement of {rid}", "url": "https://www.rfc-editor.org/rfc/rfc6749",
             "verdict": v, "reason": "no fixture" if v == "not_applicable" else "",
             "finding_ids": [i]} for i, (rid, v) in enumerate(verdicts.items())]
    findings = [{"id": i, "requirement": rid, "verdict": v, "expected": "x",
                 "observed": "HTTP 200", "reason": "bad <thing>", "test": "t", "exchanges": []}
                for i, (rid, v) in enumerate(verdicts.items())]
    return results_doc(name, reqs, findings)


def test_matrix_rows_columns_and_review_marks() -> None:
    m = build_matrix([_doc("a", {"R1": "pass", "R2": "fail", "R3": "not_applicable"}),
                      _doc("b", {"R1": "warn", "R2": "pass"}),
                      Missing("c", "did not start")])
    m = m.relabel({"a": ("Server A", "1.0"), "b": ("Server B", "2.0"), "c": ("Server C", "3.0")})
    notes = [Note("a", "R2", "deviation", "title", "text of the finding")]
    assert [r.id for r in m.rows] == ["R1", "R2", "R3"]
    assert unreviewed(m, notes) == [("b", "R1", "warn")]
    o = overlay(m, notes, title="T <x>", preamble="P")
    md = render_markdown(m, o)
    assert md.startswith("# T <x>\n\nP\n")
    assert "| Server A | 1.0 | 1 FAIL | 1 | 1 | 0 | 0 | 1 | 0 |" in md
    assert "no results: did not start" in md
    assert "**FAIL** [†](#a-r2)" in md and "warn ‡" in md
    assert "text of the finding" in md and "R3 (no fixture)" in md
    assert "127.0.0.1:1" not in md  # the ephemeral loopback URL stays out of the page
    page = render_html(m, o)
    assert "<title>T &lt;x&gt;</title>" in page
    assert 'title="bad &lt;thing&gt; (observed: HTTP 200)"' in page
    assert 'href="#a-r2">†</a>' in page and 'id="a-r2"' in page
    assert "<script" not in page


def test_findings_file_parses_and_names_known_servers() -> None:
    from interop.servers import SERVERS

    notes = load_notes(ROOT / "interop" / "findings.toml")
    names = {s.name for s in SERVERS}
    assert notes and all(n.server in names for n in notes)
    assert all(n.kind in ("deviation", "configuration") and n.text for n in notes)
    for profile in (s.profile for s in SERVERS):
        assert "secret_env" in profile.read_text(encoding="utf-8")
        assert "cc-demo-secret" not in profile.read_text(encoding="utf-8")


def test_one_peer_list_for_interop_and_bench() -> None:
    """bench adds only the reference to interop's list; every in-process app is the factory
    its interop server module serves, at the path that module serves."""
    import importlib

    from bench.peers import PEERS, REFERENCE
    from interop.servers import SERVERS

    assert (REFERENCE, *(s for s in SERVERS if s.app)) == PEERS
    for spec in SERVERS:
        if not spec.available() or spec.grant:  # a grant object has no server module
            continue
        module = importlib.import_module(spec.module)
        assert spec.endpoint == module.TOKEN_PATH, spec.name
        if spec.app:
            assert spec.app == f"{spec.module}:create_app"


def test_optional_server_that_cannot_run_is_skipped_not_failed(tmp_path: Path) -> None:
    """An optional peer whose package is missing is a column 'skipped: <why>' and no failure;
    a pinned peer that is missing is still a failure."""
    from interop.run import collect_results
    from interop.servers import ServerSpec

    optional = ServerSpec("absent_opt", "Absent", "no-such-dist", "no_such_module_xyz",
                          optional=True, requires=("no_such_module_xyz",))
    grant = ServerSpec("absent_venv", "Absent venv", "no-such-dist", "", optional=True,
                       grant="m:f", venv=".venv-does-not-exist")
    native = ServerSpec("absent_cmd", "Absent cmd", "x", "m", optional=True,
                        commands=("no-such-server-binary-xyz",), debian="no-such-deb")
    pinned = ServerSpec("absent_pinned", "Pinned", "no-such-dist", "no_such_module_xyz",
                        requires=("no_such_module_xyz",))
    cols = collect_results([optional, grant, native, pinned], {}, tmp_path, log=open(  # noqa: SIM115
        tmp_path / "log.txt", "w", encoding="utf-8"))
    assert all(isinstance(c, Missing) for c in cols)
    reasons = [c.error for c in cols if isinstance(c, Missing)]
    assert reasons[0].startswith("skipped: Python module no_such_module_xyz not installed")
    assert reasons[1].startswith("skipped: .venv-does-not-exist does not exist")
    assert "no-such-server-binary-xyz not found on PATH (apt-get install no-such-deb" in reasons[2]
    assert not reasons[3].startswith("skipped")


def test_private_key_files_are_one_per_server() -> None:
    """Every server of the multi-target run generates its own private_key_jwt key into the one
    key folder: two profiles naming the same file would sign for one server with another's key
    (the suite then sees every valid assertion refused)."""
    import tomllib

    from interop.servers import SERVERS

    paths = [c["private_key_file"] for s in SERVERS
             for c in tomllib.loads(s.profile.read_text(encoding="utf-8")).get(
                 "clients", {}).values() if "private_key_file" in c]
    assert len(paths) >= 2 and len(paths) == len(set(paths)), paths


def test_generate_client_key_writes_under_the_server_folder(tmp_path: Path,
                                                             monkeypatch: Any) -> None:
    from interop.fixtures import KEY_DIR_ENV, generate_client_key

    monkeypatch.setenv(KEY_DIR_ENV, str(tmp_path))
    jwk = generate_client_key("c", server="s")
    pem = tmp_path / "s" / "c.pem"
    assert pem.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert pem.stat().st_mode & 0o077 == 0 and (tmp_path / "s").stat().st_mode & 0o077 == 0
    assert "d" not in jwk and jwk["kty"] == "RSA" and not (tmp_path / "c.pem").exists()


def test_https_server_profile_trusts_its_ca(tmp_path: Path) -> None:
    """A server on https (``ca_bundle``) gets its CA, written at start into the run's key
    folder, as the profile's ``[target] ca_bundle``; the profile itself must leave [target]."""
    import tomllib

    from interop.run import _profile_for
    from interop.servers import SERVERS

    spec = next(s for s in SERVERS if s.name == "glewlwyd")
    assert spec.ca_bundle
    path = _profile_for(spec, "https://127.0.0.1:1/api/oidc/token", tmp_path)
    target = tomllib.loads(path.read_text(encoding="utf-8"))["target"]
    assert target["url"].startswith("https://")
    assert target["ca_bundle"] == str(tmp_path / "keys" / spec.ca_bundle)


def test_glewlwyd_tls_material(tmp_path: Path) -> None:
    """The certificates made at start: the CA (the suite's ca_bundle), the clients' certificates
    and private keys (0600) where the profile points, and the TLS trust file with the CA and the
    self-signed client certificate (ulfius passes on only a client certificate it verifies)."""
    import tomllib

    import pytest

    pytest.importorskip("cryptography")
    from interop.glewlwyd.server import SELF_SIGNED_CLIENT, TLS_CLIENT, tls_material

    work, keys = tmp_path / "work", tmp_path / "keys" / "glewlwyd"
    work.mkdir()
    ca = tls_material(work, keys)
    assert ca == keys / "ca.pem" and ca.read_text().count("BEGIN CERTIFICATE") == 1
    trust = (work / "trust.pem").read_text()
    self_signed = (keys / f"{SELF_SIGNED_CLIENT}.crt").read_text()
    assert trust.count("BEGIN CERTIFICATE") == 2 and self_signed in trust
    for key in (work / "server-key.pem", keys / f"{TLS_CLIENT}-key.pem",
                keys / f"{SELF_SIGNED_CLIENT}-key.pem"):
        assert key.stat().st_mode & 0o077 == 0
    profile = tomllib.loads((ROOT / "interop" / "glewlwyd" / "profile.toml").read_text())
    for role in ("tls_client_auth", "self_signed_tls_client_auth"):
        c = profile["clients"][role]
        assert (tmp_path / c["cert_file"]).exists() and (tmp_path / c["key_file"]).exists()
