"""The security headers of every response, set in one place: a `before_send` hook of the app.

Litestar has no CSP setting of its own; `response_headers=` misses static files, 404/405 and
error pages, an ASGI middleware misses 404/405: the hook sees every response start.

- Content-Security-Policy: scripts, styles, fonts and images from this site only, no inline
  script or style (the pages load /static/js/… and DSFR's files), never framed.
- Referrer-Policy same-origin: a follow-up link (/suivi/<jeton>) never leaves in a Referer
  when a parent clicks a link to another site.
- Cache-Control no-store on follow-up and staff pages and on the API: what they show is
  personal, no browser or proxy keeps it.
- Strict-Transport-Security when the site is served over HTTPS.
"""

from __future__ import annotations

from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.types import Message, Scope

from helpdesk.core.assets import asset
from helpdesk.core.settings import Settings

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # DSFR's CSS draws a few icons as data: SVG (select arrows, checkboxes)
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HSTS = "max-age=31536000"
PRIVATE_PREFIXES = (
    "/suivi/",
    "/agent",
    "/etablissement",
    "/admin",
    "/compte",
    "/connexion",
    "/deconnexion",
    "/demo/",
    "/api/",
)
COMMON = [
    (b"content-security-policy", CSP.encode()),
    (b"referrer-policy", b"same-origin"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),  # for browsers that ignore frame-ancestors
]
REPLACED = {b"content-security-policy", b"referrer-policy", b"x-content-type-options"}


def is_private(path: str) -> bool:
    return path.startswith(PRIVATE_PREFIXES)


def security_headers_hook(settings: Settings):
    """The app's before_send hook adding the headers above to every response."""
    https_base = settings.public_base_url.startswith("https://")

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        private = is_private(scope.get("path", ""))
        # A new list: some responses are built once and their header list is shared.
        headers = [
            (name, value)
            for name, value in message.get("headers", [])
            if name.lower() not in REPLACED and not (private and name.lower() == b"cache-control")
        ]
        headers += COMMON
        if private:
            headers.append((b"cache-control", b"no-store"))
        if https_base or scope.get("scheme") == "https":
            headers.append((b"strict-transport-security", HSTS.encode()))
        message["headers"] = headers

    return add_headers


class SwaggerPage(SwaggerRenderPlugin):
    """/schema without inline script or style: the viewer reads the schema from
    /schema/openapi.json, started by /static/js/swagger.js."""

    def render(self, request, openapi_schema) -> bytes:
        title = openapi_schema["info"]["title"]
        return (
            '<!DOCTYPE html><html lang="fr"><head>'
            f'<title>{title}</title>{self.favicon}<meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link href="{self.css_url}" rel="stylesheet">'
            f'<script src="{self.js_url}" crossorigin></script>'
            f'<script src="{self.standalone_preset_js_url}" crossorigin></script>'
            '</head><body><div id="swagger-container"></div>'
            f'<script src="{asset("/static/js/swagger.js")}"></script>'
            "</body></html>"
        ).encode()
