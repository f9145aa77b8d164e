"""Hypothesis strategies of the suite that build requests, in a module of their own so the
project's tests can check them (a suite test module needs the suite's pytest markers).

Every strategy here draws only requests HTTP/1.1 can carry exactly as built
(:func:`conformance.request.unsendable_reason`): a generated request reaches a URL target
exactly as it reaches an in-process one, and no example is lost to the client stack.
"""

from __future__ import annotations

import base64

from hypothesis import strategies as st

from conformance.request import FORM, RawRequest, header_value_unsendable

GARBAGE_BODY = st.one_of(
    st.binary(max_size=200),
    st.lists(st.tuples(st.text(max_size=12), st.text(max_size=24)), max_size=6).map(
        lambda ps: "&".join(f"{k}={v}" for k, v in ps).encode("utf-8", "surrogatepass")),
)
GARBAGE_AUTH = st.one_of(
    st.none(),
    # Printable ASCII without surrounding blanks (RFC 9110 §5.5).
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)
    .filter(lambda v: header_value_unsendable(v) is None),
    # At least one byte: "Basic " + base64(b"") ends in a blank no HTTP/1.1 client sends (the
    # bare "Basic" is a fixed probe in test_2_3_client_authentication).
    st.binary(min_size=1, max_size=40).map(lambda b: "Basic " + base64.b64encode(b).decode()),
)
GARBAGE_CTYPE = st.sampled_from([FORM, "application/json", "text/plain", "multipart/form-data",
                                 f"{FORM}; charset=utf-8", None])


def garbage_request(body: bytes, auth: str | None, ctype: str | None) -> RawRequest:
    """The request the garbage property sends for one drawn example."""
    headers: list[tuple[str, str]] = []
    if ctype:
        headers.append(("Content-Type", ctype))
    if auth is not None:
        headers.append(("Authorization", auth))
    return RawRequest(headers=tuple(headers), body=body, label="garbage")
