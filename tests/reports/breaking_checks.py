"""Suite checks that break while the credentials are in their frames, for the leak audit of
broken runs (tests/reports/test_secret_hygiene_broken.py). Not collected by the project's own
run (the name does not match test_*.py): the audit passes this file to a suite run, and loads it
with ``-p tests.reports.breaking_checks`` too, for its one hook.

Each check holds, as locals of the frame that raises: the RawRequest / RequestBuilder (Basic and
client_secret_post), the secret itself, the Authorization value, the form body and a token. They
break every way a check can: an unexpected exception whose message quotes the body (call), a
fixture that fails in setup and one that fails in teardown, a Hypothesis property raising on a
drawn request and secret, a warning, a log record and print() quoting the body, and (with
``CC_TEST_INTERNAL_ERROR=1``) an internal error: a hook raising after the last check, which ends
the session. The call check also writes the *unredacted* long traceback with locals to
``$CC_TEST_WITNESS``, so the audit can prove the frames it scanned really held the secret.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.harness import CheckContext, hypothesis_settings
from conformance.plugin import get_plugin
from conformance.request import RawRequest, RequestBuilder

RID = "RFC6749-4.4.3-token-issued"
# The checks unpack every credential into a local of their own frame on purpose (RUF059).
LAST = "test_last_check_then_an_internal_error"


@pytest.fixture
def cc(request: pytest.FixtureRequest) -> CheckContext:
    """The suite's ``cc`` fixture (conformance/suite/conftest.py), for a module outside it."""
    plugin = get_plugin(request.config)
    helper: CheckContext = plugin.check_context(request.node)  # type: ignore[attr-defined]
    return helper


def _credentials(cc: CheckContext) -> tuple[RequestBuilder, RawRequest, RawRequest, str, str, str]:
    builder = cc.token_request(method="client_secret_post", label="breaking")
    post = builder.build()
    basic = cc.token_request(method="client_secret_basic").build()
    secret = cc.profile.confidential.require_secret
    authorization = dict(basic.headers)["Authorization"]
    body = post.body.decode()
    return builder, post, basic, secret, authorization, body


def _response(cc: CheckContext, request: RawRequest) -> str:
    """The response body (with its access token), or "" from a dead target."""
    try:
        return cc.send(request).response.text
    except Exception:  # the check breaks either way
        return ""


@pytest.mark.requirement(RID)
def test_check_raises_with_the_request_in_its_frame(cc: CheckContext) -> None:
    builder, post, basic, secret, authorization, body = _credentials(cc)  # noqa: RUF059
    token_response = _response(cc, basic)
    print(f"sending {body} with {authorization}")  # captured output is audited too
    logging.getLogger("breaking_checks").warning("sending %s with %s", body, authorization)
    warnings.warn(f"about to break on {body}", UserWarning, stacklevel=1)
    try:
        raise KeyError(f"unexpected body {body} ({authorization}; {token_response})")
    except KeyError:
        witness = os.environ.get("CC_TEST_WITNESS")
        if witness:
            info = pytest.ExceptionInfo.from_current()
            Path(witness).write_text(str(info.getrepr(showlocals=True, funcargs=True,
                                                      style="long")), encoding="utf-8")
        raise


@pytest.fixture
def breaks_in_setup(cc: CheckContext) -> None:
    builder, post, basic, secret, authorization, body = _credentials(cc)  # noqa: RUF059
    raise RuntimeError(f"setup broke on {body}")


@pytest.mark.requirement(RID)
def test_fixture_breaks_in_setup(cc: CheckContext, breaks_in_setup: None) -> None:
    raise AssertionError("not reached")  # pragma: no cover


@pytest.fixture
def breaks_in_teardown(cc: CheckContext) -> Iterator[None]:
    yield
    builder, post, basic, secret, authorization, body = _credentials(cc)  # noqa: RUF059
    raise RuntimeError(f"teardown broke on {body} ({authorization})")


@pytest.mark.requirement(RID)
def test_fixture_breaks_in_teardown(cc: CheckContext, breaks_in_teardown: None) -> None:
    """Passes; its fixture then breaks."""


@pytest.mark.requirement(RID)
def test_property_raises_on_a_drawn_request(cc: CheckContext) -> None:
    builder, post, basic, secret, authorization, body = _credentials(cc)  # noqa: RUF059

    @hypothesis_settings(cc.examples)
    @given(request=st.sampled_from([post, basic]), secret=st.just(secret))
    def prop(request: RawRequest, secret: str) -> None:
        sent = request.body.decode()
        raise ValueError(f"property broke on {sent} ({secret})")

    cc.run_property(prop, passed="never")


@pytest.mark.requirement(RID)
def test_last_check_then_an_internal_error(cc: CheckContext) -> None:
    """Passes; the hook below then raises (INTERNALERROR) with the credentials in its frame."""


def pytest_runtest_logfinish(nodeid: str) -> None:
    if nodeid.endswith(LAST) and os.environ.get("CC_TEST_INTERNAL_ERROR") == "1":
        secret = os.environ.get("CC_DEMO_CLIENT_SECRET", "")
        request = RequestBuilder().post_credentials("cc-demo-client", secret).build()
        raise RuntimeError(f"hook broke on {request.body.decode()} ({secret})")
