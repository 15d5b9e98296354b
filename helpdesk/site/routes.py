"""Home, footer pages (accessibilité, mentions légales, données personnelles) and health."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.types import ASGIApp

from helpdesk.observability.health import report


def static_page(request: Request, name: str) -> ASGIApp:
    """A page rendered once per state of the incident banner, served with validators."""
    state = request.app.state
    template = STATIC_PAGES[name]
    cached = state.page_cache.get(
        name, state.incidents.signature, lambda: state.jinja.get_template(template).render()
    )
    return cached.respond(request)


@get("/", include_in_schema=False)
async def home(request: Request) -> ASGIApp:
    return static_page(request, "home")


@get("/accessibilite", include_in_schema=False)
async def accessibility(request: Request) -> ASGIApp:
    return static_page(request, "accessibilite")


@get("/mentions-legales", include_in_schema=False)
async def legal(request: Request) -> ASGIApp:
    return static_page(request, "mentions-legales")


@get("/donnees-personnelles", include_in_schema=False)
async def personal_data(request: Request) -> ASGIApp:
    return static_page(request, "donnees-personnelles")


@get(
    "/health", tags=["Santé"], summary="État du service (base, file d'envoi, comptes)", cache=False
)
async def health(request: Request) -> Response:
    body, status = await report(request.app.state)
    return Response(body, status_code=status, headers={"Cache-Control": "no-store"})


STATIC_PAGES = {
    "home": "site/home.html",
    "accessibilite": "site/accessibilite.html",
    "mentions-legales": "site/mentions_legales.html",
    "donnees-personnelles": "site/donnees_personnelles.html",
}
ROUTES = [home, accessibility, legal, personal_data, health]
