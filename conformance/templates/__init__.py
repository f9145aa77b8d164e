"""Files ``cc-conformance init`` writes. ``profile.toml`` is the one source of the commented
profile template; ``examples/profile-template.toml`` is a copy a test keeps identical."""

from __future__ import annotations

from importlib import resources


def profile_template() -> str:
    return resources.files(__name__).joinpath("profile.toml").read_text(encoding="utf-8")
