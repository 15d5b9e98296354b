#!/usr/bin/env python3
"""Weight of the public pages: `.venv/bin/python bench/page_weight.py` (or `PYTHONPATH=. …`).

The app runs in process (Litestar's TestClient, a temporary SQLite base): no server, no
network. For /aide, /aide/contact and /assistance, it fetches the page and the CSS and JS it
links (`<link rel="stylesheet">`, `<script src>`), as a browser would ask for them
(`Accept-Encoding: gzip`), and counts the bytes of the bodies as sent:

- first view: nothing in the browser's cache;
- repeat view (within the cache lifetimes): what the browser downloads again given the
  `Cache-Control` it was sent — nothing for a fresh response; otherwise a conditional
  request (`If-None-Match`) when it had an ETag, a 304 costing no body;
- uncompressed: the same first view without `Accept-Encoding`.

Fonts, icons and images that the CSS loads are not counted (their URL is in the CSS), nor
headers. Prints two Markdown tables: by page, then by file.
"""

from __future__ import annotations

import logging
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

PAGES = ["/aide", "/aide/contact", "/assistance"]
ASSET = re.compile(
    r"""<link\b[^>]*\brel=["']?stylesheet["']?[^>]*\bhref=["']([^"']+)["']"""
    r"""|<script\b[^>]*\bsrc=["']([^"']+)["']"""
)


@dataclass
class Fetched:
    path: str
    sent: int  # body bytes as sent (compressed or not)
    plain: int  # body bytes without Accept-Encoding
    cache_control: str
    etag: str
    text: str

    def repeat_cost(self, client) -> int:
        """Body bytes downloaded again on a repeat view."""
        directives = {d.strip().split("=")[0]: d.strip() for d in self.cache_control.split(",")}
        max_age = directives.get("max-age", "max-age=0").split("=")[1]
        fresh = int(max_age) > 0 and "no-store" not in directives and "no-cache" not in directives
        if fresh:
            return 0
        headers = {"Accept-Encoding": "gzip"}
        if self.etag:
            headers["If-None-Match"] = self.etag
        return len(raw_body(client, self.path, headers)[1])


def raw_body(client, path: str, headers: dict[str, str]):
    request = client.build_request("GET", path)
    del request.headers["accept-encoding"]
    request.headers.update(headers)
    response = client.send(request, stream=True)
    body = b"".join(response.iter_raw())
    response.close()
    return response, body


def fetch(client, path: str) -> Fetched:
    response, body = raw_body(client, path, {"Accept-Encoding": "gzip"})
    if response.status_code != 200:
        raise SystemExit(f"{path}\u00a0: statut {response.status_code}")
    _plain_response, plain = raw_body(client, path, {})
    return Fetched(
        path,
        len(body),
        len(plain),
        response.headers.get("cache-control", ""),
        response.headers.get("etag", ""),
        plain.decode("utf-8", "replace"),
    )


def kib(n: int) -> str:
    return f"{n / 1024:.1f}".replace(".", ",")


def main() -> None:
    from litestar.testing import TestClient

    from helpdesk.app import create_app
    from helpdesk.core.settings import load_settings

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        settings = load_settings(
            data_dir=data_dir,
            database_url=f"sqlite:///{data_dir / 'poids.sqlite3'}",
            secret_key="cle-de-mesure",
            base_url="http://testserver.local",
            database_pool_size=0,
            rate_limits={"disabled": True},
        )
        app = create_app(settings)
        logging.disable(logging.CRITICAL)  # one JSON line per request otherwise
        rows = []
        files: dict[str, Fetched] = {}
        with TestClient(app=app, base_url="http://testserver.local") as client:
            for path in PAGES:
                page = fetch(client, path)
                assets = []
                for match in ASSET.finditer(page.text):
                    url = match.group(1) or match.group(2)
                    if url.startswith("/") and not url.startswith("//"):
                        assets.append(fetch(client, url))
                everything = [page, *assets]
                files.update((f.path, f) for f in everything)
                first = sum(f.sent for f in everything)
                plain = sum(f.plain for f in everything)
                repeat = sum(f.repeat_cost(client) for f in everything)
                rows.append((path, len(assets), plain, first, repeat, page.cache_control))
    print("| Page | Fichiers CSS/JS | Sans compression | Première vue (gzip) | Vue suivante |")
    print("|---|---:|---:|---:|---:|")
    for path, count, plain, first, repeat, _ in rows:
        print(f"| `{path}` | {count} | {kib(plain)} Kio | {kib(first)} Kio | {kib(repeat)} Kio |")
    print()
    print("| Fichier | Sans compression | gzip | Cache-Control |")
    print("|---|---:|---:|---|")
    for f in files.values():
        cache = f.cache_control or "(aucun)"
        print(f"| `{f.path}` | {kib(f.plain)} Kio | {kib(f.sent)} Kio | {cache} |")
    print()
    for path, *_, cache_control in rows:
        print(f"- `{path}`\u00a0: Cache-Control «\u00a0{cache_control or '(aucun)'}\u00a0»")


if __name__ == "__main__":
    main()
