"""create_app(settings) -> Litestar: routes of every domain, templates, static files, lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from piccolo.engine.postgres import PostgresEngine

from helpdesk import PROJECT_DIR
from helpdesk.contacts import routes as contacts_routes
from helpdesk.contacts.academies import load_academies
from helpdesk.db import bind, make_engine, migrate
from helpdesk.faq import routes as faq_routes
from helpdesk.faq.service import FaqService
from helpdesk.ratelimit import RateLimiter
from helpdesk.settings import Settings, load_settings
from helpdesk.site import routes as site_routes
from helpdesk.web import (
    CachedPage,
    http_exception_handler,
    internal_error_handler,
    make_environment,
)

DSFR_DIST = PROJECT_DIR / "node_modules" / "@gouvfr" / "dsfr" / "dist"


def build_state(settings: Settings) -> State:
    engine = make_engine(settings.database_url)
    bind(engine)
    academies = load_academies()
    faq = FaqService.load()
    jinja = make_environment(settings=settings, academies=academies.all)
    state = State(
        {
            "settings": settings,
            "engine": engine,
            "jinja": jinja,
            "academies": academies,
            "faq": faq,
            "rate_limiter": RateLimiter(settings.redis_url, settings.rate_limit_disabled),
        }
    )
    state.faq_page = CachedPage.from_html(faq_routes.render_faq_page(state))
    state.static_pages = {
        name: CachedPage.from_html(jinja.get_template(template).render())
        for name, template in site_routes.STATIC_PAGES.items()
    }
    return state


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()
    state = build_state(settings)

    @asynccontextmanager
    async def database(app: Litestar) -> AsyncIterator[None]:
        engine = app.state.engine
        bind(engine)  # tests build several apps in one process: this one's engine wins
        if isinstance(engine, PostgresEngine):
            await engine.start_connection_pool(min_size=1, max_size=20)
        try:
            await migrate(engine)
            yield
        finally:
            if isinstance(engine, PostgresEngine):
                await engine.close_connection_pool()
            await app.state.rate_limiter.close()

    static = [
        create_static_files_router(
            path="/static",
            directories=[PROJECT_DIR / "static"],
            include_in_schema=False,
            name="static",
        ),
        create_static_files_router(
            path="/dsfr", directories=[DSFR_DIST], include_in_schema=False, name="dsfr"
        ),
    ]
    public = Router(
        path="/",
        route_handlers=[*site_routes.ROUTES, *faq_routes.ROUTES, *contacts_routes.ROUTES],
    )
    return Litestar(
        route_handlers=[public, *static],
        state=state,
        lifespan=[database],
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(state.jinja)),
        exception_handlers={
            HTTPException: http_exception_handler,
            Exception: internal_error_handler,
        },
        openapi_config=OpenAPIConfig(
            title="Assistance académique ÉduConnect",
            version="1",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        request_max_body_size=12 * 1024 * 1024,
        debug=False,
    )
