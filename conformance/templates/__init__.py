"""Files ``cc-conformance init`` writes. ``profile.toml`` is the one source of the commented
profile template; ``examples/profile-template.toml`` is a copy a test keeps identical.
``reference.toml`` is the profile of the bundled reference implementation (``init --reference``);
``examples/reference.toml`` is its copy. ``discovered_profile`` writes a profile from a server's
RFC 8414 metadata (``init --discover URL``), with :data:`PLACEHOLDER` values where the
metadata cannot know the answer."""

from __future__ import annotations

import json
import re
from importlib import resources

_APP_TARGET = 'app = "reference_impl.asgi:app"\ntoken_path = "/token"\n'
_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f]+")


#: marks what ``init --discover`` cannot know; a run stops (exit 2) while one is left
PLACEHOLDER = "FILL-IN"
#: the client authentication methods a profile's [server] auth_methods takes from the metadata
SHARED_SECRET_METHODS = ("client_secret_basic", "client_secret_post")


def _toml(value: object) -> str:
    """A TOML value: a JSON string or array of strings is a TOML basic string or array."""
    return json.dumps(value, ensure_ascii=False)


def _strings(doc: dict[str, object], name: str) -> list[str]:
    value = doc.get(name)
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def discovered_profile(metadata_url: str, doc: dict[str, object]) -> str:
    """A commented profile from RFC 8414 metadata ``doc`` fetched at ``metadata_url``: the token
    endpoint, the metadata URL and the shared-secret auth methods are filled in; the
    confidential client is a :data:`PLACEHOLDER` (``cc-conformance run`` exits 2 naming the
    field until it is filled); scopes, signing algorithms and JWT methods are comments.
    ValueError when the document has no usable ``token_endpoint``."""
    token_endpoint = doc.get("token_endpoint")
    if not isinstance(token_endpoint, str) or not _URL.fullmatch(token_endpoint):
        raise ValueError("the metadata has no token_endpoint http(s) URL (RFC 8414 §2 requires "
                         "it for a server that issues tokens)")
    declared = _strings(doc, "token_endpoint_auth_methods_supported")
    omitted = "token_endpoint_auth_methods_supported" not in doc
    methods = [m for m in SHARED_SECRET_METHODS if m in (declared or ["client_secret_basic"])]
    others = [m for m in declared if m not in SHARED_SECRET_METHODS]
    algs = _strings(doc, "token_endpoint_auth_signing_alg_values_supported")
    scopes = _strings(doc, "scopes_supported")
    grants = _strings(doc, "grant_types_supported")
    lines = [
        "# Target profile written by `cc-conformance init --discover` from the server's RFC 8414",
        f"# authorization server metadata at {metadata_url}",
        f"# (issuer {_toml(doc.get('issuer'))}).",
        "#",
        f"# Fill in every {PLACEHOLDER} value: the metadata cannot know your client. Until then",
        "# `cc-conformance run --profile THIS-FILE` stops with exit status 2 naming the field.",
        "# Secrets are never written here: secret_env names the environment variable that",
        "# holds the client's secret. Field reference: cc-conformance init (the full template).",
        "",
        'spec = "rfc6749"   # or "oauth2.1"',
        "",
        "[target]",
        f"url = {_toml(token_endpoint)}   # token_endpoint from the metadata",
        f"metadata_url = {_toml(metadata_url)}   # checked by the RFC 8414 section",
        "",
        "[clients.confidential]",
        "# A confidential client registered for the client_credentials grant.",
        f'client_id = "{PLACEHOLDER}: the client id"',
        f'secret_env = "{PLACEHOLDER}: the environment variable holding its secret"',
        "",
        "# Optional clients: each unlocks more checks (see the full template).",
        "# [clients.needs_encoding]     # an id/secret with characters that need form-encoding",
        f'# client_id = "{PLACEHOLDER}"',
        f'# secret_env = "{PLACEHOLDER}"',
        "# [clients.public]             # a public client (no secret)",
        f'# client_id = "{PLACEHOLDER}"',
        "# [clients.not_allowed_grant]  # a confidential client NOT allowed client_credentials",
        f'# client_id = "{PLACEHOLDER}"',
        f'# secret_env = "{PLACEHOLDER}"',
        "",
    ]
    lines += [line for m in others for line in _method_client(m)]
    lines += [
        "[scopes]",
    ]
    if scopes:
        lines.append(f"# The metadata advertises scopes_supported = {_toml(scopes)} (it may "
                     "leave some out).")
    else:
        lines.append("# The metadata advertises no scopes_supported.")
    lines += [
        "# Which scopes your client may have is not in the metadata; fill these in to unlock",
        "# the scope checks (RFC 6749 §3.3):",
        f'# allowed = ["{PLACEHOLDER}"]        # scopes the confidential client may request',
        f'# not_allowed = ["{PLACEHOLDER}"]    # scopes that exist but it may not have',
        '# unknown = ["cc-conformance-no-such-scope"]',
        f'# default = ["{PLACEHOLDER}"]        # what a request without scope is granted',
        "",
        "[server]",
        "# token_endpoint_auth_methods_supported "
        + ("is omitted (default: client_secret_basic)" if omitted else f"= {_toml(declared)}"),
    ]
    if others:
        lines.append(f"# Declared but not shared-secret methods (not in auth_methods): "
                     f"{', '.join(others)}")
    if algs:
        lines.append(f"# token_endpoint_auth_signing_alg_values_supported = {_toml(algs)}")
    if grants:
        lines.append(f"# grant_types_supported = {_toml(grants)}")
    if methods:
        lines.append(f"auth_methods = {_toml(methods)}")
    else:
        lines.append(f"# auth_methods = [\"{PLACEHOLDER}\"]   # no shared-secret method declared")
    return "\n".join(lines) + "\n"


#: the client fields each declared JWT or mTLS method needs (the suite's profile roles)
_METHOD_FIELDS = {
    "private_key_jwt": ("private_key_file", "the PEM or JWK file of its private key"),
    "client_secret_jwt": ("secret_env", "the environment variable holding its HMAC secret"),
    "tls_client_auth": ("cert_file", "its PEM client certificate (and key_file)"),
    "self_signed_tls_client_auth": ("cert_file", "its PEM self-signed certificate (and "
                                    "key_file)"),
}


def _method_client(method: str) -> list[str]:
    """Commented [clients.<method>] lines for a declared method the suite can test."""
    if method not in _METHOD_FIELDS:
        return []
    name, what = _METHOD_FIELDS[method]
    lines = [f"# The metadata declares {method}: to test it, fill in its client and add it to",
             "# [server] auth_methods.",
             f"# [clients.{method}]",
             f'# client_id = "{PLACEHOLDER}"',
             f'# {name} = "{PLACEHOLDER}: {what}"']
    if name == "cert_file":
        lines.append(f'# key_file = "{PLACEHOLDER}: its PEM private key"')
    return [*lines, ""]


def profile_template() -> str:
    return resources.files(__name__).joinpath("profile.toml").read_text(encoding="utf-8")


def reference_profile(url: str | None = None) -> str:
    """The reference's profile: its in-process app, or the token endpoint ``url`` of a served
    reference (``python -m reference_impl serve``). ValueError for a URL that is not http(s)."""
    text = resources.files(__name__).joinpath("reference.toml").read_text(encoding="utf-8")
    if url is None:
        return text
    if not _URL.fullmatch(url):
        raise ValueError(f"--url must be an http(s) URL without blanks, got {url!r}")
    assert _APP_TARGET in text
    # a JSON string is a TOML basic string (json escapes only ", \ and control characters)
    return text.replace(_APP_TARGET, f"url = {json.dumps(url)}\n")
