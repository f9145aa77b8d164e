"""The ``requirement`` marker that ties a suite test to catalogue IDs (light: no pytest import
beyond types, so the plugin, the progress line and the reports all read it from here)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pytest

MARKER = "requirement"
MARKER_LINE = f"{MARKER}(*ids): requirement IDs a test checks"


def item_requirements(item: pytest.Item) -> list[str]:
    """The requirement IDs of a test, in marker order."""
    ids: list[str] = []
    for m in item.iter_markers(MARKER):
        ids.extend(str(a) for a in m.args)
    return ids
