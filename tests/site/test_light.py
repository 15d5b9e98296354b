"""A light page: responses compressed once (never twice), static files cached, /schema offline."""

from __future__ import annotations

import gzip
import re

import pytest

from helpdesk.core import assets
from helpdesk.core.assets import dsfr_version, static_digest
from helpdesk.tickets.tables import Attachment
from tests.helpers import VALID_FORM, follow_token, submit_form

TEXT_RESOURCES = [
    ("/aide", "date-naissance-incorrecte"),
    ("/aide/contact", "<html"),
    ("/api/v1/faq", '"slug"'),
    ("/static/css/helpdesk.css", "{"),
    ("/dsfr/dsfr.min.css", ".fr-btn"),
]


async def raw_get(client, path: str, accept_encoding: str | None):
    """Status, headers and the bytes as sent (httpx would inflate them and asks for gzip)."""
    request = client.build_request("GET", path)
    del request.headers["accept-encoding"]
    if accept_encoding is not None:
        request.headers["accept-encoding"] = accept_encoding
    response = await client.send(request, stream=True)
    body = b"".join([chunk async for chunk in response.aiter_raw()])
    await response.aclose()
    return response, body


@pytest.mark.parametrize(("path", "marker"), TEXT_RESOURCES)
async def test_text_is_gzipped_once_when_asked(client, path, marker):
    response, body = await raw_get(client, path, "gzip, deflate, br")
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in response.headers["vary"].lower()
    assert marker in gzip.decompress(body).decode("utf-8")  # one layer only


@pytest.mark.parametrize(("path", "marker"), TEXT_RESOURCES)
async def test_text_is_plain_without_accept_encoding(client, path, marker):
    response, body = await raw_get(client, path, None)
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert marker in body.decode("utf-8")


async def test_search_page_is_compressed_by_the_middleware(client):
    response, body = await raw_get(client, "/aide?q=date", "gzip")
    assert response.headers["content-encoding"] == "gzip"
    assert "date-naissance-incorrecte" in gzip.decompress(body).decode("utf-8")


async def test_fonts_and_small_responses_are_not_compressed(client):
    font, body = await raw_get(client, "/dsfr/fonts/Marianne-Regular.woff2", "gzip")
    assert font.status_code == 200
    assert "content-encoding" not in font.headers
    assert body[:4] == b"wOF2"
    health, _ = await raw_get(client, "/health", "gzip")
    assert "content-encoding" not in health.headers  # under 1 KiB


@pytest.mark.parametrize(
    "path",
    [
        "/static/css/helpdesk.css",
        "/static/js/helpdesk.js",
        "/dsfr/dsfr.min.css",
        "/dsfr/dsfr.module.min.js",
        "/dsfr/fonts/Marianne-Regular.woff2",
    ],
)
async def test_static_files_are_cached_a_day_with_validators(client, path):
    response, _ = await raw_get(client, path, "gzip")
    assert response.status_code == 200
    directives = {d.strip() for d in response.headers["cache-control"].split(",")}
    assert directives == {"public", "max-age=86400"}  # names without fingerprint: no immutable
    assert response.headers["etag"]
    assert response.headers["last-modified"]


async def test_pages_keep_their_own_cache_policy(client):
    response, _ = await raw_get(client, "/aide", "gzip")
    assert response.headers["cache-control"] == "public, max-age=300"


async def test_schema_page_loads_nothing_from_another_host(client):
    response = await client.get("/schema")
    assert response.status_code == 200
    html = response.text
    assert "swagger-ui-bundle.js" in html
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html), html
    assert "cdn.jsdelivr.net" not in html
    assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert len(assets) == 5  # favicon, CSS, bundle, preset, our starter (no inline script)
    for asset in assets:
        served = await client.get(asset)
        assert served.status_code == 200, asset
        if asset.startswith("/swagger-ui/"):
            assert "immutable" in served.headers["cache-control"]


async def test_pages_link_versioned_assets_cached_a_year(client):
    html = (await client.get("/aide")).text
    links = re.findall(r"""(?:href|src)="(/(?:static|dsfr)/[^"]+)\"""", html)
    assert links
    for link in links:
        version = link.split("/")[2]
        assert version in (static_digest(), dsfr_version()), link
        response, _ = await raw_get(client, link, "gzip")
        assert response.status_code == 200, link
        assert response.headers["cache-control"] == "max-age=31536000, public, immutable"
    # what the DSFR's CSS loads by relative URL is versioned too
    font, _ = await raw_get(client, f"/dsfr/{dsfr_version()}/fonts/Marianne-Bold.woff2", "gzip")
    assert "immutable" in font.headers["cache-control"]


def test_the_static_digest_changes_with_any_file(tmp_path, monkeypatch):
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "a.css").write_text("a{}")
    monkeypatch.setattr(assets, "STATIC_DIR", tmp_path)
    assets.static_digest.cache_clear()
    try:
        before = assets.static_digest()
        (tmp_path / "css" / "a.css").write_text("a{color:red}")
        assets.static_digest.cache_clear()
        assert assets.static_digest() != before
        assert assets.asset("/static/css/a.css") == f"/static/{assets.static_digest()}/css/a.css"
        assert assets.asset("/ailleurs") == "/ailleurs"
    finally:
        assets.static_digest.cache_clear()


async def test_an_attachment_is_sent_as_stored(client):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 4096  # over 1 KiB, and very compressible
    sent = await submit_form(
        client, VALID_FORM, files={"piece_jointe": ("capture.png", png, "image/png")}
    )
    assert sent.status_code == 303
    attachment = await Attachment.select().first()
    link = f"/suivi/{follow_token(sent.headers['location'])}/pieces/{attachment['id']}"
    response, body = await raw_get(client, link, "gzip")
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert body == png


async def test_staff_pages_are_never_compressed(client):
    """A CSRF token beside text the staff member typed must not be compressed (BREACH)."""
    response = await client.get("/connexion", headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert len(response.content) > 1024
    assert "content-encoding" not in response.headers
