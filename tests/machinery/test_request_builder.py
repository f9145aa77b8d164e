"""The request builder sends exactly what it is told; redaction of exchanges."""

from __future__ import annotations

import base64

from conformance.exchange import Exchange, Received, SentRequest
from conformance.redact import REDACTED, Redactor
from conformance.request import RequestBuilder, basic_credentials, form_encode


def test_form_encoding_and_repeats() -> None:
    raw = (RequestBuilder().param("grant_type", "client_credentials").param("scope", "a b")
           .param("scope", "a b").build())
    assert raw.body == b"grant_type=client_credentials&scope=a+b&scope=a+b"
    assert ("Content-Type", "application/x-www-form-urlencoded") in raw.headers
    assert form_encode([("k", "ü:/+ %")]) == "k=%C3%BC%3A%2F%2B+%25"


def test_basic_encoding_both_ways() -> None:
    enc = base64.b64decode(basic_credentials("a:b c", "p+%", form_encoded=True)).decode()
    assert enc == "a%3Ab+c:p%2B%25"
    raw = base64.b64decode(basic_credentials("a:b c", "p+%", form_encoded=False)).decode()
    assert raw == "a:b c:p+%"


def test_raw_body_query_method_and_headers_verbatim() -> None:
    b = RequestBuilder(method="PUT", content_type="text/plain").body(b"\x00\xff")
    b.query_param("client_secret", "s").header("Authorization", "Weird x")
    raw = b.build()
    assert raw.method == "PUT" and raw.body == b"\x00\xff"
    assert raw.query == "client_secret=s"
    assert ("Content-Type", "text/plain") in raw.headers
    assert ("Authorization", "Weird x") in raw.headers


def test_exchange_redaction_covers_all_secret_forms() -> None:
    secret, cid = "p@ss:wörd +%&=/ü", "cc:special client/ü"
    red = Redactor()
    red.add_credentials(cid, secret)
    red.add_token("tok-1234567890")
    b64 = basic_credentials(cid, secret)
    body = RequestBuilder().post_credentials(cid, secret).build().body
    ex = Exchange(
        SentRequest("POST", "http://t/token?client_secret=zzz-corrupted",
                    (("Authorization", f"Basic {b64}"),
                     ("Content-Type", "application/x-www-form-urlencoded")), body),
        Received(200, (("content-type", "application/json"),),
                 b'{"access_token": "tok-1234567890", "note": "tok-1234567890"}'),
    )
    text = str(ex.to_dict(red)) + ex.render(red)
    for leaked in (secret, b64, "tok-1234567890", "zzz-corrupted", "p%40ss%3Aw%C3%B6rd"):
        assert leaked not in text
    assert REDACTED in text and "cc%3Aspecial" in text  # the client id stays visible
