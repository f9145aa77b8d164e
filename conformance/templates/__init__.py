"""Files ``cc-conformance init`` writes. ``profile.toml`` is the one source of the commented
profile template; ``examples/profile-template.toml`` is a copy a test keeps identical.
``reference.toml`` is the profile of the bundled reference implementation (``init --reference``);
``examples/reference.toml`` is its copy."""

from __future__ import annotations

import json
import re
from importlib import resources

_APP_TARGET = 'app = "reference_impl.asgi:app"\ntoken_path = "/token"\n'
_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f]+")


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
