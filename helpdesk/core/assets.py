"""Addresses of static files that carry their version, so that browsers may keep them a year.

`/static/x` becomes `/static/<digest>/x` (digest of the whole static/ folder: any change gives
every file a new address) and `/dsfr/x` becomes `/dsfr/<version>/x` (the npm package's version,
pinned in package.json). The files the DSFR's CSS loads by relative URL (fonts, icons) inherit
the version. The plain addresses keep working, with a day's cache.
"""

from __future__ import annotations

import functools
import hashlib
import json

from helpdesk import PROJECT_DIR

STATIC_DIR = PROJECT_DIR / "static"
DSFR_PACKAGE = PROJECT_DIR / "node_modules" / "@gouvfr" / "dsfr"
DSFR_DIST = DSFR_PACKAGE / "dist"


@functools.cache
def static_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in STATIC_DIR.rglob("*") if p.is_file()):
        digest.update(path.relative_to(STATIC_DIR).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@functools.cache
def dsfr_version() -> str:
    return json.loads((DSFR_PACKAGE / "package.json").read_text())["version"]


def asset(path: str) -> str:
    """The versioned address of `/static/…` or `/dsfr/…` (templates: `{{ asset("/static/…") }}`)."""
    for prefix, version in (("/static/", static_digest), ("/dsfr/", dsfr_version)):
        if path.startswith(prefix):
            return f"{prefix}{version()}/{path.removeprefix(prefix)}"
    return path
