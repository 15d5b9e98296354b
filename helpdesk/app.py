"""create_app(settings) -> Litestar: routes of every domain, templates, static files, lifespan."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, Router
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader, State
from litestar.di import Provide
from litestar.exceptions import HTTPException, ValidationException
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from piccolo.engine.postgres import PostgresEngine

from helpdesk import PROJECT_DIR
from helpdesk.accounts import routes as accounts_routes
from helpdesk.accounts.service import account_service
from helpdesk.auth import admin_routes
from helpdesk.auth import routes as auth_routes
from helpdesk.auth.service import BEARER_SCHEMES, forget_staff, provide_staff
from helpdesk.auth.sessions import SESSION_STORE, session_config, session_store
from helpdesk.contacts import routes as contacts_routes
from helpdesk.contacts.academies import load_academies
from helpdesk.contacts.service import ContactOverrides
from helpdesk.core.assets import DSFR_DIST, STATIC_DIR, asset, dsfr_version, static_digest
from helpdesk.core.db import bind, make_engine, migrate, start_pool
from helpdesk.core.inputs import check_request
from helpdesk.core.ratelimit import RateLimiter
from helpdesk.core.security_headers import SwaggerPage, security_headers_hook
from helpdesk.core.settings import Settings, load_settings
from helpdesk.core.web import (
    PageCache,
    http_exception_handler,
    internal_error_handler,
    make_environment,
    validation_exception_handler,
)
from helpdesk.demo import routes as demo_routes
from helpdesk.desk import routes as desk_routes
from helpdesk.desk.assignment import release_tickets_of
from helpdesk.desk.incidents import IncidentBoard
from helpdesk.establishments import pages as school_pages
from helpdesk.faq import routes as faq_routes
from helpdesk.faq.service import FaqService
from helpdesk.housekeeping import housekeeping_loop
from helpdesk.mail.catcher import MailCatcher
from helpdesk.mail.sender import MailSender
from helpdesk.mailin import routes as mailin_routes
from helpdesk.mailin.receiver import start_receiver
from helpdesk.observability.metrics import MetricsController, prometheus_config
from helpdesk.observability.requests_log import RequestLog, configure_logging
from helpdesk.privacy import routes as privacy_routes
from helpdesk.site import routes as site_routes
from helpdesk.tickets import routes as ticket_routes
from helpdesk.triage import routes as triage_routes

SWAGGER_UI_DIST = PROJECT_DIR / "node_modules" / "swagger-ui-dist"

# Litestar compresses whatever it is given, whatever its type: images, fonts and PDF are already
# compressed, and downloads (attachments, letters) are sent as stored.
NOT_COMPRESSED = [
    r".*\.(?:png|jpe?g|gif|webp|avif|ico|woff2?|gz|br|zip|pdf)$",
    r"/suivi/[^/]+/pieces/",
    r"/agent/tickets/[^/]+/pieces/",
    r"/etablissement/courriers/\d+$",
]

# Static files under their plain names (/static/x, /dsfr/x): a day in the browser's cache, not
# `immutable`. The router sends ETag and Last-Modified but never answers 304: after a day the
# browser downloads the file again (nginx, in deploy/, does answer 304). Pages link them under
# their versioned names (helpdesk.core.assets): a year, `immutable`.
STATIC_CACHE = CacheControlHeader(max_age=86400, public=True)
VERSIONED_CACHE = CacheControlHeader(max_age=31536000, public=True, immutable=True)


def swagger_ui() -> tuple[SwaggerPage, Router]:
    """/schema's viewer served by the help desk itself (npm `swagger-ui-dist`, pinned in
    package.json), not by a CDN: the page works offline and sends no visitor elsewhere.

    Its files sit under their version (/swagger-ui/5.18.2/…): a new version is a new address,
    so they can be cached for a year, `immutable`.
    """
    version = json.loads((SWAGGER_UI_DIST / "package.json").read_text())["version"]
    base = f"/swagger-ui/{version}"
    plugin = SwaggerPage(
        js_url=f"{base}/swagger-ui-bundle.js",
        css_url=f"{base}/swagger-ui.css",
        standalone_preset_js_url=f"{base}/swagger-ui-standalone-preset.js",
        favicon=f'<link rel="icon" href="{asset("/dsfr/favicon/favicon.svg")}" type="image/svg+xml">',
    )
    router = create_static_files_router(
        path=base,
        directories=[SWAGGER_UI_DIST],
        include_in_schema=False,
        name="swagger-ui",
        cache_control=VERSIONED_CACHE,
    )
    return plugin, router


# Staff pages carry a CSRF token beside what the staff member typed (searches, notes): compressed,
# their sizes could leak the token (BREACH). They are small and seen by few: sent as they are.
UNCOMPRESSED = "uncompressed"


def compression_config() -> CompressionConfig:
    """gzip for every response of 1 KiB or more (HTML, JSON, CSS, JS, SVG).

    Pages served by `helpdesk.core.web.CachedPage` are compressed once when rendered and pass through
    untouched (they mark the request the way Litestar's own response cache does).
    Level 6: nearly the size of level 9 on our pages, for a fraction of the time per request.
    """
    return CompressionConfig(
        backend="gzip",
        minimum_size=1024,
        gzip_compress_level=6,
        exclude=NOT_COMPRESSED,
        exclude_opt_key=UNCOMPRESSED,
    )


def build_state(settings: Settings) -> State:
    engine = make_engine(settings.database_url)
    bind(engine)
    academies = load_academies()
    faq = FaqService.load()
    incidents = IncidentBoard({a.slug: a.nom_complet for a in academies.all})
    jinja = make_environment(settings=settings, academies=academies.all, incidents=incidents)
    # Templates change on deploy, which restarts the processes: checking their files' dates on
    # every page is for demo mode (`make run`) only.
    jinja.auto_reload = settings.demo
    state = State(
        {
            "settings": settings,
            "engine": engine,
            "jinja": jinja,
            "academies": academies,
            "faq": faq,
            "rate_limiter": RateLimiter(
                settings.redis_url, settings.rate_limits.disabled, settings.redis_prefix
            ),
            "incidents": incidents,
            "contact_overrides": ContactOverrides(),
        }
    )
    state.page_cache = PageCache()
    # The account service (local directory, or the remote API when HELPDESK_ACCOUNTS_URL is
    # set): picked once here, reached by the desk and the schools' pages as `state.accounts`.
    state.accounts = account_service(settings, state)
    # When an admin deactivates a staff account (helpdesk/auth/admin_routes.py).
    state.on_staff_deactivated = (release_tickets_of,)
    return state


@asynccontextmanager
async def mail_sending(app: Litestar) -> AsyncIterator[None]:
    """Demo mode catches mails locally; one served process (`make run`) sends them itself.

    With several processes, `helpdesk worker` sends instead (HELPDESK_MAIL_SENDER=worker, the
    default `helpdesk serve --workers N` gives them).
    """
    settings: Settings = app.state.settings
    catcher = None
    if settings.demo and not settings.smtp.host:
        catcher = MailCatcher(settings.data_dir / "courriels-demo", port=settings.smtp.demo_port)
        catcher.start()
        # The sender below sends to the catcher; the settings read elsewhere stay as loaded.
        settings = settings.with_changes(
            smtp={"host": "127.0.0.1", "port": settings.smtp.demo_port, "tls": "none"}
        )
    stop = asyncio.Event()
    tasks = []
    if settings.mail.send_in_process:
        if settings.smtp.host:  # without one, the outbox keeps the mails until it is set
            sender = MailSender(settings)
            tasks.append(asyncio.create_task(sender.run_forever(stop, settings.mail.poll_seconds)))
        tasks.append(asyncio.create_task(housekeeping_loop(app.state, stop)))
    # The one process also receives the replies (helpdesk/mailin), as `helpdesk mail-in` does.
    receiver = await start_receiver(app.state) if settings.mail.send_in_process else None
    try:
        yield
    finally:
        stop.set()
        for task in tasks:
            await task
        if receiver:
            await receiver.stop()
        if catcher:
            catcher.stop()


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()
    state = build_state(settings)

    @asynccontextmanager
    async def database(app: Litestar) -> AsyncIterator[None]:
        engine = app.state.engine
        bind(engine)  # tests build several apps in one process: this one's engine wins
        forget_staff()  # and what another app's base said of its users does not hold here
        pooled = isinstance(engine, PostgresEngine) and settings.database_pool_size > 0
        if pooled:
            await start_pool(engine, settings.database_pool_size)
        try:
            await migrate(engine)
            await app.state.incidents.refresh()
            stop = asyncio.Event()
            board = asyncio.create_task(app.state.incidents.run(stop))
            try:
                async with mail_sending(app):
                    yield
            finally:
                stop.set()
                await board
        finally:
            if pooled:
                await engine.close_connection_pool()
            await app.state.rate_limiter.close()

    static = [
        create_static_files_router(
            path=path,
            directories=[directory],
            include_in_schema=False,
            name=name,
            cache_control=cache,
        )
        for path, directory, name, cache in (
            ("/static", STATIC_DIR, "static", STATIC_CACHE),
            ("/dsfr", DSFR_DIST, "dsfr", STATIC_CACHE),
            (f"/static/{static_digest()}", STATIC_DIR, "static-versioned", VERSIONED_CACHE),
            (f"/dsfr/{dsfr_version()}", DSFR_DIST, "dsfr-versioned", VERSIONED_CACHE),
        )
    ]
    swagger_plugin, swagger_files = swagger_ui()
    # Pages without forms carry no middleware at all: they stay cacheable and fast.
    public = Router(
        path="/",
        route_handlers=[
            *site_routes.ROUTES,
            *faq_routes.ROUTES,
            *contacts_routes.ROUTES,
            *ticket_routes.API_ROUTES,
            *triage_routes.ROUTES,
            *demo_routes.ROUTES,
            *auth_routes.API_ROUTES,
            *desk_routes.API_ROUTES,
            *accounts_routes.ROUTES,
        ],
    )
    csrf = CSRFConfig(
        secret=settings.secret_key,
        cookie_secure=settings.behind_https,
        cookie_httponly=True,
        cookie_samesite="lax",
    )
    csrf_middleware = DefineMiddleware(CSRFMiddleware, config=csrf)
    forms = Router(
        path="/",
        route_handlers=[*ticket_routes.FORM_ROUTES, *mailin_routes.FORM_ROUTES],
        middleware=[csrf_middleware],
    )
    # Staff pages: a server-side session (cookie HttpOnly, SameSite, see helpdesk.auth.sessions)
    # and CSRF on every form.
    sessions = session_config(settings)
    staff = Router(
        path="/",
        route_handlers=[
            *auth_routes.PAGE_ROUTES,
            *desk_routes.PAGE_ROUTES,
            *school_pages.ROUTES,
            *admin_routes.ROUTES,
            *privacy_routes.ROUTES,
            *mailin_routes.STAFF_ROUTES,
        ],
        middleware=[sessions.middleware, csrf_middleware],
        opt={UNCOMPRESSED: True},
    )
    app = Litestar(
        route_handlers=[public, forms, staff, *static, swagger_files, MetricsController],
        # Requests and durations by route template (/metrics); none for unknown paths.
        middleware=[prometheus_config().middleware],
        # One rule for every text received, before any handler reads it (helpdesk.core.inputs).
        before_request=check_request,
        stores={SESSION_STORE: session_store(settings)},
        # Who is calling, for the routes whose guard let them in (helpdesk.auth.service).
        dependencies={"staff": Provide(provide_staff)},
        state=state,
        lifespan=[database],
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(state.jinja)),
        exception_handlers={
            HTTPException: http_exception_handler,
            ValidationException: validation_exception_handler,
            Exception: internal_error_handler,
        },
        openapi_config=OpenAPIConfig(
            title="Assistance académique ÉduConnect",
            version="1",
            path="/schema",
            render_plugins=[swagger_plugin],
            components=Components(security_schemes=BEARER_SCHEMES),
        ),
        compression_config=compression_config(),
        request_max_body_size=12 * 1024 * 1024,
        before_send=[security_headers_hook(settings)],
        debug=False,
    )
    if not settings.demo:  # production: one JSON line per request, with its X-Request-Id
        configure_logging()
        app.asgi_handler = RequestLog(app.asgi_handler)
    return app
