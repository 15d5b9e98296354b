"""Home, footer pages (accessibilité, mentions légales, données personnelles) and health."""

from __future__ import annotations

from litestar import Request, Response, get

from helpdesk.db import is_postgres


@get("/", include_in_schema=False)
async def home(request: Request) -> Response:
    return request.app.state.static_pages["home"].respond(request)


@get("/accessibilite", include_in_schema=False)
async def accessibility(request: Request) -> Response:
    return request.app.state.static_pages["accessibilite"].respond(request)


@get("/mentions-legales", include_in_schema=False)
async def legal(request: Request) -> Response:
    return request.app.state.static_pages["mentions-legales"].respond(request)


@get("/donnees-personnelles", include_in_schema=False)
async def personal_data(request: Request) -> Response:
    return request.app.state.static_pages["donnees-personnelles"].respond(request)


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
