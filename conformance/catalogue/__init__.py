"""The requirement catalogue: typed loader for ``requirements.toml``.

The TOML file is the single source of truth for every requirement the suite checks. IDs are
``<DOC>-<section>-<slug>`` and stable: a published ID never changes meaning.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

Level = Literal["MUST", "SHOULD", "MAY"]
LEVELS: tuple[Level, ...] = ("MUST", "SHOULD", "MAY")
SPEC_PROFILES: tuple[str, ...] = ("rfc6749", "oauth2.1")
ID_RE = re.compile(r"^(RFC\d{4}|OAUTH21)-(\d+(?:\.\d+)*)-[a-z0-9]+(?:-[a-z0-9]+)*$")


class CatalogueError(ValueError):
    """The catalogue file is malformed."""


@dataclass(frozen=True, slots=True)
class Document:
    key: str
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Requirement:
    id: str
    document: str
    section: str
    level: Level
    statement: str
    why: str
    url: str
    profiles: tuple[str, ...]

    def applies_to(self, profile: str) -> bool:
        return profile in self.profiles

    @property
    def section_key(self) -> str:
        """Grouping key for summaries, e.g. ``RFC6749 §5.1``."""
        return f"{self.document} §{self.section}"


@dataclass(frozen=True, slots=True)
class Catalogue:
    documents: dict[str, Document]
    requirements: dict[str, Requirement]

    def __getitem__(self, rid: str) -> Requirement:
        return self.requirements[rid]

    def __contains__(self, rid: object) -> bool:
        return rid in self.requirements

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.requirements.values())

    def __len__(self) -> int:
        return len(self.requirements)

    def for_profile(self, profile: str) -> list[Requirement]:
        return [r for r in self.requirements.values() if r.applies_to(profile)]


def _req(raw: dict[str, object], where: str) -> dict[str, object]:
    for key in ("id", "document", "section", "level", "statement", "why", "profiles"):
        if key not in raw:
            raise CatalogueError(f"{where}: missing field {key!r}")
    return raw


def parse_catalogue(data: dict[str, object]) -> Catalogue:
    docs_raw = data.get("documents")
    if not isinstance(docs_raw, dict):
        raise CatalogueError("missing [documents] table")
    documents = {
        k: Document(key=k, title=str(v["title"]), url=str(v["url"]).rstrip("/"))
        for k, v in docs_raw.items()
    }
    reqs: dict[str, Requirement] = {}
    raw_list = data.get("requirement")
    if not isinstance(raw_list, list):
        raise CatalogueError("missing [[requirement]] entries")
    for i, raw in enumerate(raw_list):
        raw = _req(raw, f"requirement #{i}")
        rid = str(raw["id"])
        where = f"requirement {rid!r}"
        m = ID_RE.match(rid)
        if not m:
            raise CatalogueError(f"{where}: id is not of the form DOC-section-slug")
        doc = str(raw["document"])
        section = str(raw["section"])
        if doc not in documents:
            raise CatalogueError(f"{where}: unknown document {doc!r}")
        if m.group(1) != doc or m.group(2) != section:
            raise CatalogueError(f"{where}: id does not name its document and section")
        level = str(raw["level"])
        if level not in LEVELS:
            raise CatalogueError(f"{where}: level must be one of {LEVELS}")
        profiles = tuple(str(p) for p in raw["profiles"])  # type: ignore[union-attr]
        if not profiles or any(p not in SPEC_PROFILES for p in profiles):
            raise CatalogueError(f"{where}: profiles must be a non-empty subset of {SPEC_PROFILES}")
        if rid in reqs:
            raise CatalogueError(f"{where}: duplicate id")
        url = str(raw.get("url") or f"{documents[doc].url}#section-{section}")
        reqs[rid] = Requirement(
            id=rid,
            document=doc,
            section=section,
            level=level,  # type: ignore[arg-type]
            statement=str(raw["statement"]).strip(),
            why=str(raw["why"]).strip(),
            url=url,
            profiles=profiles,
        )
    return Catalogue(documents=documents, requirements=reqs)


@cache
def load_catalogue() -> Catalogue:
    text = resources.files(__name__).joinpath("requirements.toml").read_text(encoding="utf-8")
    return parse_catalogue(tomllib.loads(text))
