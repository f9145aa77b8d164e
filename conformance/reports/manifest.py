"""SHA-256 manifest of the files a run wrote, in ``sha256sum`` format (paths relative to the
report folder), so ``cd reports && sha256sum -c SHA256SUMS`` verifies a report set."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

MANIFEST = "SHA256SUMS"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def write_manifest(report_dir: Path, files: Iterable[Path]) -> Path:
    root = report_dir.resolve()
    lines = []
    for f in sorted({p.resolve() for p in files}):
        if f.is_file() and f.name != MANIFEST and f.is_relative_to(root):
            lines.append(f"{sha256_file(f)}  {f.relative_to(root).as_posix()}")
    out = report_dir / MANIFEST
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def read_manifest(path: Path) -> dict[str, str]:
    """relative path -> hex digest."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        out[name] = digest
    return out
