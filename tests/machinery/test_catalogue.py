"""The catalogue loads, IDs are unique and well-formed, and every ID is tested."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conformance.catalogue import ID_RE, CatalogueError, load_catalogue, parse_catalogue

SUITE = Path(__file__).resolve().parents[2] / "conformance" / "suite"


def suite_marker_ids() -> dict[str, set[str]]:
    """requirement ID -> test files, read from @requirement(...) / @req(...) decorators and
    tuple constants spread into them (static: no target needed)."""
    out: dict[str, set[str]] = {}
    for path in SUITE.rglob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        consts: dict[str, list[str]] = {}
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple):
                vals = [e.value for e in node.value.elts if isinstance(e, ast.Constant)]
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        consts[t.id] = [str(v) for v in vals]
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for dec in node.decorator_list:
                if not isinstance(dec, ast.Call):
                    continue
                name = ast.unparse(dec.func)
                if name not in ("req", "pytest.mark.requirement"):
                    continue
                for arg in dec.args:
                    if isinstance(arg, ast.Constant):
                        out.setdefault(str(arg.value), set()).add(path.name)
                    elif isinstance(arg, ast.Starred) and isinstance(arg.value, ast.Name):
                        for v in consts.get(arg.value.id, []):
                            out.setdefault(v, set()).add(path.name)
    return out


def test_catalogue_loads_with_wellformed_unique_ids() -> None:
    cat = load_catalogue()
    assert len(cat) >= 40
    for r in cat:
        assert ID_RE.match(r.id), r.id
        assert r.id.startswith(f"{r.document}-{r.section}-")
        assert r.url.startswith("https://"), r.id
        assert f"#section-{r.section}" in r.url
        assert r.statement and r.why and r.profiles
    docs = {r.document for r in cat}
    assert {"RFC6749", "RFC6750", "RFC7617", "RFC9700", "OAUTH21"} <= docs
    assert "draft-ietf-oauth-v2-1-" in cat.documents["OAUTH21"].url


def test_profiles_differ_only_where_specs_differ() -> None:
    cat = load_catalogue()
    assert not cat["RFC6749-5.1-pragma"].applies_to("oauth2.1")
    assert cat["RFC6749-5.1-pragma"].applies_to("rfc6749")
    assert not cat["RFC6749-2.3.1-basic-supported"].applies_to("oauth2.1")
    assert cat["OAUTH21-2.4.1-client-secret-post"].profiles == ("oauth2.1",)
    assert cat["RFC6749-3.2-post-only"].level == "SHOULD"


def test_duplicate_and_malformed_ids_rejected() -> None:
    base = {"documents": {"RFC6749": {"title": "t", "url": "https://x"}}}
    entry = {"id": "RFC6749-5.1-no-store", "document": "RFC6749", "section": "5.1",
             "level": "MUST", "statement": "s", "why": "w", "profiles": ["rfc6749"]}
    with pytest.raises(CatalogueError, match="duplicate"):
        parse_catalogue({**base, "requirement": [entry, dict(entry)]})
    with pytest.raises(CatalogueError, match="document and section"):
        parse_catalogue({**base, "requirement": [{**entry, "section": "5.2"}]})
    with pytest.raises(CatalogueError, match="form"):
        parse_catalogue({**base, "requirement": [{**entry, "id": "no-store"}]})
    with pytest.raises(CatalogueError, match="level"):
        parse_catalogue({**base, "requirement": [{**entry, "level": "SHALL"}]})


def test_every_catalogue_id_has_a_test_and_every_tag_exists() -> None:
    cat = load_catalogue()
    tagged = suite_marker_ids()
    untested = sorted(r.id for r in cat if r.id not in tagged)
    assert not untested, f"catalogue IDs without a test: {untested}"
    unknown = sorted(rid for rid in tagged if rid not in cat)
    assert not unknown, f"tests tag unknown IDs: {unknown}"


def test_suite_files_named_by_section() -> None:
    names = {p.relative_to(SUITE).as_posix() for p in SUITE.rglob("test_*.py")}
    for expected in ("rfc6749/test_2_3_client_authentication.py",
                     "rfc6749/test_3_1_3_2_token_endpoint.py", "rfc6749/test_3_3_scope.py",
                     "rfc6749/test_4_4_client_credentials.py",
                     "rfc6749/test_5_1_successful_response.py",
                     "rfc6749/test_5_2_error_response.py", "rfc6749/test_7_1_token_type.py",
                     "rfc6749/test_10_10_token_entropy.py"):
        assert expected in names


def test_results_schema_file_matches_model() -> None:
    import json

    from conformance.results import SCHEMA_VERSION, Verdict

    doc = json.loads((SUITE.parent / "results_schema.json").read_text(encoding="utf-8"))
    assert doc["properties"]["schema_version"]["const"] == SCHEMA_VERSION
    assert set(doc["$defs"]["verdict"]["enum"]) == {v.value for v in Verdict}
