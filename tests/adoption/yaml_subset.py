"""A small parser for the block-style YAML subset the CI templates use (mappings, sequences,
plain/quoted scalars, ``|`` block scalars, comments). PyYAML is not a dependency of the project;
this is enough to prove the templates are well-formed YAML of the expected shape. Anything
outside the subset (flow collections, anchors, tabs) is an error, so the templates stay simple.
"""

from __future__ import annotations

import json
import re

_KEY = re.compile(r"^([A-Za-z0-9_.$/-][A-Za-z0-9_.$/ -]*):(?:\s+(.*))?$")


class YamlError(ValueError):
    pass


def _strip_comment(text: str) -> str:
    quote = None
    for i, c in enumerate(text):
        if quote:
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "#" and (i == 0 or text[i - 1] in " \t"):
            return text[:i].rstrip()
    return text.rstrip()


def _scalar(text: str, where: int) -> object:
    if text.startswith('"'):
        if not text.endswith('"') or len(text) < 2:
            raise YamlError(f"line {where}: unterminated double-quoted string")
        return json.loads(text)
    if text.startswith("'"):
        if not text.endswith("'") or len(text) < 2:
            raise YamlError(f"line {where}: unterminated single-quoted string")
        return text[1:-1].replace("''", "'")
    if text[:1] in "[{&*!|>%@`":
        raise YamlError(f"line {where}: {text[:1]!r} is outside the supported subset")
    if text.startswith("${{") or text.startswith("$"):
        return text
    return {"true": True, "false": False, "null": None, "~": None}.get(text, text)


def parse(text: str) -> object:
    lines: list[tuple[int, int, str]] = []  # (line number, indent, content)
    raw = text.splitlines()
    i = 0
    while i < len(raw):
        line = raw[i]
        if "\t" in line[: len(line) - len(line.lstrip())]:
            raise YamlError(f"line {i + 1}: tab indentation")
        content = _strip_comment(line)
        if content.strip():
            lines.append((i + 1, len(line) - len(line.lstrip(" ")), content.strip()))
        i += 1
    pos = 0

    def block_scalar(indent: int, start: int) -> str:
        body = []
        for n in range(start, len(raw)):
            line = raw[n]
            if line.strip() and len(line) - len(line.lstrip(" ")) <= indent:
                break
            body.append(line)
        nonlocal pos
        while pos < len(lines) and lines[pos][0] <= start + len(body):
            pos += 1
        if not any(b.strip() for b in body):
            raise YamlError(f"line {start}: empty block scalar")
        cut = min(len(b) - len(b.lstrip(" ")) for b in body if b.strip())
        return "\n".join(b[cut:] for b in body).rstrip("\n") + "\n"

    def value_after(rest: str | None, indent: int, lineno: int) -> object:
        if rest is None or rest == "":
            if pos < len(lines) and lines[pos][1] > indent:
                return node(lines[pos][1])
            if pos < len(lines) and lines[pos][1] == indent and lines[pos][2].startswith("- "):
                return node(indent)
            return None
        if rest in ("|", "|-", "|+"):
            return block_scalar(indent, lineno)
        return _scalar(rest, lineno)

    def node(indent: int) -> object:
        nonlocal pos
        if lines[pos][2].startswith("- ") or lines[pos][2] == "-":
            seq: list[object] = []
            while pos < len(lines) and lines[pos][1] == indent and lines[pos][2][:1] == "-":
                lineno, _, content = lines[pos]
                item = content[1:].strip()
                if _KEY.match(item):  # "- key: value" starts a mapping one level in
                    sub = indent + 2
                    lines[pos] = (lineno, sub, item)
                    seq.append(node(sub))
                else:
                    pos += 1
                    seq.append(value_after(item, indent, lineno))
            return seq
        mapping: dict[str, object] = {}
        while pos < len(lines) and lines[pos][1] == indent:
            lineno, _, content = lines[pos]
            m = _KEY.match(content)
            if not m:
                raise YamlError(f"line {lineno}: expected 'key: value', got {content!r}")
            key = m.group(1).strip()
            if key in mapping:
                raise YamlError(f"line {lineno}: duplicate key {key!r}")
            pos += 1
            mapping[key] = value_after(m.group(2), indent, lineno)
        if pos < len(lines) and lines[pos][1] > indent:
            raise YamlError(f"line {lines[pos][0]}: unexpected indentation")
        return mapping

    if not lines:
        return None
    doc = node(lines[0][1])
    if pos != len(lines):
        raise YamlError(f"line {lines[pos][0]}: unexpected content")
    return doc
