"""The pieces behind the broken-run leak audit (test_secret_hygiene_broken.py), one by one: the
redacting reprs of everything that carries credentials or tokens, the free-text redactor,
the in-place redaction of pytest's failure representations, and the allure-commons hook."""

from __future__ import annotations

import base64
import dataclasses
from urllib.parse import quote_plus

import allure_commons.model2 as allure_model
import pytest

from conformance.exchange import Exchange, Received, SentRequest
from conformance.profile import Client, Profile
from conformance.redact import REDACTED, Redactor
from conformance.reports.allure import RedactResults
from conformance.reports.curl import SecretRef
from conformance.request import RequestBuilder
from conformance.results import Finding, Verdict
from conformance.tracebacks import redact_longrepr, redact_report

CID, SECRET = "cc:special client/ü", "p@ss:wörd +%&=/ü"
TOKEN = "tok-0123456789abcdef0123456789abcdef"
BASIC = base64.b64encode(f"{quote_plus(CID, safe='')}:{quote_plus(SECRET, safe='')}".encode())


def _red() -> Redactor:
    red = Redactor()
    red.add_credentials(CID, SECRET)
    red.add_token(TOKEN)
    return red


def _secret_forms() -> list[str]:
    return [SECRET, quote_plus(SECRET, safe=""), BASIC.decode(),
            SECRET.encode().decode("ascii", errors="backslashreplace"), TOKEN]


def _objects() -> list[object]:
    builder = (RequestBuilder(label="x").param("grant_type", "client_credentials")
               .post_credentials(CID, SECRET).basic(CID, SECRET)
               .query_param("client_secret", SECRET))
    raw = builder.build()
    sent = SentRequest("POST", f"http://{quote_plus(CID)}:pw@127.0.0.1:1/token?"
                       f"client_secret={quote_plus(SECRET)}", raw.headers, raw.body)
    got = Received(200, (("Content-Type", "application/json"), ("Authorization", TOKEN)),
                   f'{{"access_token": "{TOKEN}"}}'.encode())
    ex = Exchange(sent, got, 1.0, "x")
    client = Client("confidential", CID, SECRET, "CC_SPECIAL_CLIENT_SECRET")
    return [builder, raw, sent, got, ex, Finding("R", Verdict.FAIL, observed=TOKEN,
                                                 exchanges=[ex]),
            client, Profile(clients={"confidential": client}), SecretRef(SECRET, "CC_X")]


@pytest.mark.parametrize("obj", _objects(), ids=lambda o: type(o).__name__)
def test_reprs_never_show_a_credential_or_token(obj: object) -> None:
    shown = repr(obj) + str(obj)
    assert [f for f in _secret_forms() if f in shown] == []
    assert "client_secret=" + quote_plus(SECRET, safe="") not in shown


def test_reprs_say_what_was_withheld_and_dataclass_behaviour_is_intact() -> None:
    builder = RequestBuilder().param("grant_type", "client_credentials").basic("a", "b")
    raw = builder.build()
    assert repr(raw) == ("RawRequest(POST, headers=[Content-Type, Authorization=<redacted>, "
                         "Accept], body=<29 bytes redacted>)")
    assert repr(builder) == ("RequestBuilder(POST, params=[grant_type], headers=["
                             "Authorization=<redacted>], content_type="
                             "'application/x-www-form-urlencoded')")
    assert raw == builder.build() and hash(raw) == hash(builder.build())
    assert dataclasses.replace(raw, label="y") != raw
    sent = SentRequest("POST", "http://h/token?client_secret=s", raw.headers, raw.body)
    assert repr(sent).startswith("SentRequest(POST http://h/token?<redacted>, headers=[")
    assert sent == SentRequest("POST", "http://h/token?client_secret=s", raw.headers, raw.body)


@pytest.mark.parametrize(("text", "expected"), [
    ("request = RawRequest(method='POST', headers=(('Authorization', 'Basic Zm9vOmJhcg=='),), "
     "body=b'grant_type=client_credentials&client_secret=cc-demo-sec...')",
     "request = RawRequest(method='POST', headers=(('Authorization', 'Basic [REDACTED]'),), "
     "body=b'grant_type=client_credentials&client_secret=[REDACTED]')"),
    ("head = b'POST /t HTTP/1.1\\r\\nAuthorization: Bearer abc123def\\r\\n'",
     "head = b'POST /t HTTP/1.1\\r\\nAuthorization: Bearer [REDACTED]\\r\\n'"),
    ("{'client_secret': 'x', \"access_token\": \"y\"} [('password', 'z')]",
     "{'client_secret': '[REDACTED]', \"access_token\": \"[REDACTED]\"} "
     "[('password', '[REDACTED]')]"),
    ("client_secret='x y' refresh_token=abc&x=1", "client_secret='[REDACTED]' "
     "refresh_token=[REDACTED]&x=1"),
    ("Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic [REDACTED]"),
    # not credentials: left as they are
    ('WWW-Authenticate: Basic realm="example"', 'WWW-Authenticate: Basic realm="example"'),
    ("Basic authentication failed", "Basic authentication failed"),
    ('    if k.lower() == "authorization":', '    if k.lower() == "authorization":'),
    ('    return ("Authorization", f"{scheme} {value}")',
     '    return ("Authorization", f"{scheme} {value}")'),
    ("RawRequest(POST, headers=[Authorization=<redacted>], body=<3 bytes redacted>)",
     "RawRequest(POST, headers=[Authorization=<redacted>], body=<3 bytes redacted>)"),
])
def test_free_text_hides_what_looks_like_a_credential(text: str, expected: str) -> None:
    red = Redactor()
    assert red.free_text(text) == expected
    assert red.free_text(expected) == expected  # idempotent


def test_free_text_hides_known_values_in_every_form() -> None:
    red = _red()
    text = " | ".join(_secret_forms())
    assert red.free_text(text) == " | ".join([REDACTED] * len(_secret_forms()))


def _breaks(secret: str, authorization: str) -> None:
    body = f"client_secret={quote_plus(secret, safe='')}"
    raise ValueError(f"broke on {body} ({authorization}); 'client_secret': {secret!r}")


def _failing_report(style: str) -> pytest.TestReport:
    """A report as pytest makes it for a test that broke with the credentials in its frame
    (function arguments and locals shown, as with --tb=long -l) and in its captured output."""
    try:
        _breaks(SECRET, f"Basic {BASIC.decode()}")
    except ValueError:
        info = pytest.ExceptionInfo.from_current()
    longrepr = info.getrepr(style=style, showlocals=True, funcargs=True)  # type: ignore[arg-type]
    longrepr.addsection("Captured stdout call", f"sending {SECRET}")
    return pytest.TestReport("t.py::test", ("t.py", 1, "test"), {}, "failed", longrepr, "call",
                             sections=[("Captured stdout call", f"sending {SECRET} {TOKEN}")])


@pytest.mark.parametrize("style", ["long", "short", "native", "line", "auto", "value"])
def test_a_failure_report_is_redacted_in_place(style: str) -> None:
    report = _failing_report(style)
    assert SECRET in str(report.longrepr)  # the representation really held it
    redact_report(report, _red())
    after = str(report.longrepr) + report.longreprtext + repr(report.sections)
    assert [f for f in _secret_forms() if f in after] == []
    assert "[REDACTED]" in after
    assert not isinstance(report.longrepr, str)  # still pytest's own repr: layout and colours
    if style == "long":  # arguments and locals were shown, redacted
        assert "secret = '[REDACTED]'" in after and "authorization = 'Basic [REDACTED]'" in after


def test_an_unknown_longrepr_falls_back_to_its_redacted_text() -> None:
    class Odd:
        def __str__(self) -> str:
            return f"odd {SECRET}"

    assert redact_longrepr(Odd(), _red()) == f"odd {REDACTED}"


def test_allure_results_are_redacted_before_they_are_written() -> None:
    def details() -> allure_model.StatusDetails:
        return allure_model.StatusDetails(message=f"KeyError: client_secret={SECRET}",
                             trace=f"authorization = 'Basic {BASIC.decode()}'")

    step = allure_model.TestStepResult(name="s", statusDetails=details())
    result = allure_model.TestResult(name="t", statusDetails=details(), steps=[step],
                        parameters=[allure_model.Parameter(name="p", value=repr(SECRET))])
    before = allure_model.TestBeforeResult(name="f", statusDetails=details())
    container = allure_model.TestResultContainer(befores=[before], afters=[])
    hook = RedactResults(_red())
    hook.report_result(result)
    hook.report_container(container)
    shown = repr(result) + repr(container)
    assert [f for f in _secret_forms() if f in shown] == []
    assert shown.count(REDACTED) >= 7
