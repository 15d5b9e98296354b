"""Home, footer pages (accessibilité, mentions légales, données personnelles) and health."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.types import ASGIApp

from helpdesk.db import is_postgres


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


@get("/health", tags=["Santé"], summary="État du service")
async def health(request: Request) -> Response:
    engine = request.app.state.engine
    try:
        await engine.run_ddl("SELECT 1")
        database = "ok"
    except Exception:  # the service answers even when its database does not
        database = "indisponible"
    status = 200 if database == "ok" else 503
    return Response(
        {
            "status": "ok" if status == 200 else "degrade",
            "database": database,
            "engine": "postgresql" if is_postgres(engine) else "sqlite",
        },
        status_code=status,
    )


STATIC_PAGES = {
    "home": "site/home.html",
    "accessibilite": "site/accessibilite.html",
    "mentions-legales": "site/mentions_legales.html",
    "donnees-personnelles": "site/donnees_personnelles.html",
}
ROUTES = [home, accessibility, legal, personal_data, health]
