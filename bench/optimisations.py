#!/usr/bin/env python3
"""Each optimisation of bench/README.md (« Optimisations : ce qui reste et pourquoi ») against
the code without it, in this process, the variants interleaved.

    PYTHONPATH=. .venv/bin/python bench/optimisations.py 14 12        # rows 14 and 12
    PYTHONPATH=. .venv/bin/python bench/optimisations.py all --rounds 5
    PYTHONPATH=. .venv/bin/python bench/optimisations.py list

The first variant of a row is today's code; the others take the optimisation out (or put a
removed one back) by patches applied here, never in helpdesk/. A row runs its lane's operation
a set number of times (× --scale) under each variant in turn, --rounds times (A B, B A, A B…):
the figure is the CPU time per operation, this process's (the app called in process by direct
ASGI calls, with bench/tickets.py's bodies for the form and the API) plus, on PostgreSQL, the
backends of the bench's own database (read in /proc: not another database's), medians of the
rounds and their spread. Wall time per operation is given too. CPU time stays steady on a
machine shared with other work; the wall time does not.

Worlds: pages on SQLite (a temporary folder); the agents' queue on a PostgreSQL base of its own
filled by bench/seed_tickets.py (--tickets, 100 000; --queue-db NAME reuses one and keeps it);
the form and the API on a new PostgreSQL base; the FAQ search and the triage without a base.
Every base made here is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import hashlib
import inspect
import logging
import os
import random
import re
import statistics
import string
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH_DIR.parent), str(BENCH_DIR)]

import asyncpg  # noqa: E402
import httpx  # noqa: E402
from benchlib import PG_PREFIX, fr, new_pg_name, pg_url  # noqa: E402
from litestar import Request, Response, get  # noqa: E402
from litestar.response.base import ASGIResponse  # noqa: E402

from helpdesk.app import create_app  # noqa: E402
from helpdesk.core.settings import load_settings  # noqa: E402
from helpdesk.core.web import HTML  # noqa: E402
from helpdesk.observability.requests_log import log as request_log  # noqa: E402
from helpdesk.server import settle_memory  # noqa: E402

BASE_URL = "http://testserver.local"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ACADEMIE = "orleans-tours"
DEVNULL = open(os.devnull, "w")  # noqa: SIM115 - the request log's lines, for the process
FORM_PAGE = f"/assistance?academie={ACADEMIE}&categorie=date_naissance"


# --------------------------------------------------------------------------- measuring


@dataclass
class Variant:
    label: str
    patches: list[tuple[object, str, object]] = field(default_factory=list)
    app: str = "app"  # the world's app it runs on


MISSING = object()


@contextlib.contextmanager
def patched(patches: list[tuple[object, str, object]]):
    """Attributes (or a dict's items) set for the time of the block, then put back."""

    def get(target, name):
        return target.get(name, MISSING) if isinstance(target, dict) else getattr(target, name)

    def put(target, name, value):
        if not isinstance(target, dict):
            setattr(target, name, value)
        elif value is MISSING:
            del target[name]
        else:
            target[name] = value

    saved = [(target, name, get(target, name)) for target, name, _ in patches]
    for target, name, value in patches:
        put(target, name, value)
    try:
        yield
    finally:
        for target, name, value in reversed(saved):
            put(target, name, value)


@dataclass
class Row:
    number: int
    what: str  # the lane's operation
    world: str  # pages, queue, form, pure
    variants: Callable  # (world) -> list[Variant], today's code first
    op: Callable  # (world, app, i) -> one operation (awaitable or not)
    ops: int = 2000
    batch: int = 1  # operations at once (asyncio.gather): PostgreSQL's group commit
    measure: Callable | None = None  # a row measured its own way (row 10)


def proc_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


class Backends:
    """CPU of the PostgreSQL backends of the bench's database (none on SQLite)."""

    def __init__(self) -> None:
        self.conn: asyncpg.Connection | None = None

    async def snapshot(self) -> dict[int, int]:
        if self.conn is None:
            return {}
        rows = await self.conn.fetch(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {row["pid"]: proc_ticks(row["pid"]) for row in rows}

    @staticmethod
    def seconds(before: dict[int, int], after: dict[int, int]) -> float:
        return sum(t - before.get(pid, 0) for pid, t in after.items()) / CLOCK_TICKS


async def call(result) -> None:
    if inspect.isawaitable(result):
        await result


async def timed_rounds(world, row: Row, ops: int, rounds: int) -> dict[str, list[tuple]]:
    """{variant: [(CPU ms per op, of which database, wall ms per op) per round]}."""
    variants = row.variants(world)
    results: dict[str, list[tuple]] = {v.label: [] for v in variants}
    for round_ in range(rounds):
        for variant in variants if round_ % 2 == 0 else variants[::-1]:  # A B, B A, A B…
            app = getattr(world, variant.app)
            with patched(variant.patches):
                for i in range(max(20, ops // 20)):  # warm-up: caches, connections
                    await call(row.op(world, app, -i - 1))
                before = await world.backends.snapshot()
                cpu, wall = time.process_time(), time.perf_counter()
                for start in range(0, ops, row.batch):
                    if row.batch == 1:
                        await call(row.op(world, app, start))
                    else:
                        await asyncio.gather(
                            *(row.op(world, app, start + k) for k in range(row.batch))
                        )
                wall = time.perf_counter() - wall
                cpu = time.process_time() - cpu
                db = Backends.seconds(before, await world.backends.snapshot())
            results[variant.label].append(
                ((cpu + db) * 1000 / ops, db * 1000 / ops, wall * 1000 / ops)
            )
    return results


def ms(value: float) -> str:
    return fr(value, 3 if value < 10 else 1)


def report(row: Row, results: dict[str, list[tuple]]) -> str:
    """A Markdown table: each variant, its medians and spread, and against today's code."""
    first = None
    lines = [
        f"**Ligne {row.number}** : {row.what}",
        "",
        "| variante | CPU ms/op (médiane, min–max) | dont base | temps réel ms/op | "
        "CPU / aujourd'hui |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for label, runs in results.items():
        cpu = [r[0] for r in runs]
        median = statistics.median(cpu)
        first = first or median
        lines.append(
            f"| {label} | {ms(median)} ({ms(min(cpu))}–{ms(max(cpu))}) | "
            f"{ms(statistics.median(r[1] for r in runs))} | "
            f"{ms(statistics.median(r[2] for r in runs))} | {fr(100 * median / first)} % |"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- ASGI in process


async def asgi(app, method: str, target: str, headers=(), body: bytes = b"") -> tuple:
    """(status, headers, body) of one request, the app called directly (no client, no server)."""
    path, _, query = target.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver.local")]
        + [(k.lower().encode(), v.encode()) for k, v in headers],
        "client": ("127.0.0.1", 40000),
        "server": ("testserver.local", 80),
        "state": {},
    }
    received, done = False, asyncio.Event()
    start: dict = {}
    chunks: list[bytes] = []

    async def receive():
        nonlocal received
        if received:  # as a server does: the client is there until the response is sent
            await done.wait()
            return {"type": "http.disconnect"}
        received = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                done.set()

    await app(scope, receive, send)
    return start["status"], dict(start.get("headers", ())), b"".join(chunks)


async def get_ok(app, target: str, headers=()) -> bytes:
    status, _headers, body = await asgi(app, "GET", target, headers)
    assert status == 200, (target, status)
    return body


# --------------------------------------------------------------------------- worlds


@dataclass
class World:
    app: object = None
    client: httpx.AsyncClient | None = None
    backends: Backends = field(default_factory=Backends)
    extra: dict = field(default_factory=dict)


@contextlib.asynccontextmanager
async def served(database_url: str, data_dir: Path, routes_patch=()):
    """An app as a served process has it (production settings, request log to /dev/null),
    its lifespan run in this event loop (as the app's pool), httpx's ASGI transport as client."""
    settings = load_settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key="banc-optimisations",
        base_url=BASE_URL,
        rate_limits={"disabled": True},
    )
    with patched(list(routes_patch)):
        app = create_app(settings)
    settle_memory()
    transport = httpx.ASGITransport(app=app)  # in this event loop, as the app's pool
    async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        for handler in request_log.handlers:
            handler.setStream(DEVNULL)
        yield app, client


async def pg_admin(statement: str) -> None:
    conn = await asyncpg.connect(pg_url("postgres"))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def pg_database(name: str | None = None):
    """A new base, dropped at the end; or `name`, already there, kept."""
    made = name is None
    name = name or new_pg_name()
    assert name.startswith(PG_PREFIX) and name.replace("_", "").isalnum()
    if made:
        await pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        if made:
            await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.asynccontextmanager
async def pages_world(args):
    from helpdesk.faq import routes as faq_routes

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/helpdesk.sqlite3"
        world = World()
        async with served(url, Path(tmp)) as (world.app, world.client):
            litestar_aide = [
                (faq_routes, "ROUTES", [aide_litestar_cache(), *faq_routes.ROUTES[1:]])
            ]
            async with served(url, Path(tmp), litestar_aide) as (cached, _client):
                world.extra["litestar_cache"] = cached
                yield world


async def login(client, email: str, password: str) -> str:
    """The Cookie header of a staff session."""

    page = await client.get("/connexion")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)[1]
    reply = await client.post(
        "/connexion",
        data={"_csrf_token": token, "email": email, "password": password},
        follow_redirects=False,
    )
    assert reply.status_code == 303, reply.status_code
    return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


@contextlib.asynccontextmanager
async def queue_world(args):
    import seed_tickets

    async with pg_database(args.queue_db) as name:
        url = pg_url(name)
        if args.queue_db is None:
            os.environ["HELPDESK_DATABASE_URL"] = url
            try:
                await seed_tickets.seed(seed_tickets.parse_args(["--count", str(args.tickets)]))
            finally:
                del os.environ["HELPDESK_DATABASE_URL"]
        with tempfile.TemporaryDirectory() as tmp:
            world = World()
            async with served(url, Path(tmp)) as (world.app, world.client):
                world.backends.conn = await asyncpg.connect(url)
                cookie = await login(
                    world.client, seed_tickets.BENCH_AGENT_EMAIL, seed_tickets.BENCH_AGENT_PASSWORD
                )
                world.extra["headers"] = [("cookie", cookie)]
                try:
                    yield world
                finally:
                    await world.backends.conn.close()


@contextlib.asynccontextmanager
async def form_world(args):
    async with pg_database() as name:
        url = pg_url(name)
        with tempfile.TemporaryDirectory() as tmp:
            world = World()
            async with served(url, Path(tmp)) as (world.app, world.client):
                world.backends.conn = await asyncpg.connect(url)
                from tickets import Bodies

                world.extra["form_bodies"], world.extra["api_bodies"] = (
                    Bodies("form", 1),
                    Bodies("api", 2),
                )
                try:
                    yield world
                finally:
                    await world.backends.conn.close()


@contextlib.asynccontextmanager
async def pure_world(args):
    from helpdesk.faq.service import FaqService
    from helpdesk.triage.service import Triage, shared_model

    faq = FaqService.load()
    world = World(extra={"faq": faq, "triage": Triage(shared_model(), faq)})
    yield world


WORLDS = {"pages": pages_world, "queue": queue_world, "form": form_world, "pure": pure_world}


# --------------------------------------------------------------------------- row 1, 5: pages


class RenderedEachTime:
    """Row 1 without its cache: the page rendered for each request, its ETag taken from its
    bytes (the 304 stays), compressed by Litestar's middleware like any page."""

    def get(self, name: str, signature: tuple, render) -> FreshPage:
        return FreshPage(render().encode())


@dataclass
class FreshPage:
    body: bytes

    def respond(self, request: Request) -> ASGIResponse:
        etag = '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'
        headers = {"etag": etag, "cache-control": "public, max-age=300", "vary": "Accept-Encoding"}
        if request.headers.get("if-none-match") == etag:
            return ASGIResponse(status_code=304, headers=headers)
        response = Response(self.body, media_type=HTML, headers=headers)
        return response.to_asgi_response(app=None, request=request)


def aide_litestar_cache():
    """/aide with Litestar's own response cache (`cache=`, a key with the incidents' state)."""
    from helpdesk.faq.routes import MAX_QUERY_LENGTH, render_faq_page

    def key(request: Request) -> str:  # the encoding too: a cached gzip body is sent as it is
        gzip = "gzip" in request.headers.get("accept-encoding", "")
        return f"aide:{request.app.state.incidents.signature}:{gzip}:{request.url.query}"

    @get("/aide", include_in_schema=False, cache=300, cache_key_builder=key)
    async def aide(request: Request) -> Response:
        query = request.query_params.get("q", "").strip()[:MAX_QUERY_LENGTH]
        html = render_faq_page(request.app.state, query)
        return Response(html, media_type=HTML, headers={"cache-control": "public, max-age=300"})

    return aide


GZIP = [("accept-encoding", "gzip, deflate, br")]


def row1_variants(world):
    return [
        Variant("aujourd'hui (PageCache, gzip une fois)"),
        Variant("rendue à chaque requête", [(world.app.state, "page_cache", RenderedEachTime())]),
        Variant("cache de réponse de Litestar", app="litestar_cache_app"),
    ]


def row5_variants(world):
    from helpdesk.contacts import map as contact_map
    from helpdesk.contacts import routes as contact_routes

    plain = contact_map.academies_svg.__wrapped__
    return [
        Variant("aujourd'hui (lru_cache)"),
        Variant("sans", [(contact_routes, "academies_svg", plain)]),
    ]


# --------------------------------------------------------------------------- row 10: counts


class SimpleCounts:
    """Row 10 as it was before 448b681: every status counted in one query, kept 10 s, a
    change in this process forgets it; no lock (concurrent requests may all recount)."""

    def __init__(self) -> None:
        self.cache: dict[str, tuple[float, dict[str, int]]] = {}

    async def status_counts(self, academie: str) -> dict[str, int]:
        from helpdesk.tickets.tables import STATUSES, Ticket

        cached = self.cache.get(academie)
        if cached and time.monotonic() - cached[0] < 10.0:
            return cached[1]
        rows = await Ticket.raw(
            "SELECT status, COUNT(*) AS n FROM ticket WHERE academie = {} GROUP BY status",
            academie,
        )
        counts = {status: 0 for status in STATUSES} | {row["status"]: row["n"] for row in rows}
        self.cache[academie] = (time.monotonic(), counts)
        return counts

    def forget_counts(self, academie: str) -> None:
        self.cache.pop(academie, None)


def row10_variants(world):
    from helpdesk.desk import agent, assignment, forwarding, queue, queue_routes

    simple = SimpleCounts()
    forget = [
        (module, "forget_counts", simple.forget_counts) for module in (agent, assignment, forwarding, queue)
    ]
    return [
        Variant("aujourd'hui (verrou, ouvertes 10 s, closes 60 s)"),
        Variant("TTL simple de 10 s (448b681^)", [(queue_routes, "status_counts", simple.status_counts), *forget]),
    ]  # fmt: skip


async def agent_pages(world, deadline: float, latencies: list[float]) -> None:
    """One of row 10's clients: /agent again and again until the deadline."""
    while time.monotonic() < deadline:
        start = time.perf_counter()
        await get_ok(world.app, "/agent", world.extra["headers"])
        latencies.append((time.perf_counter() - start) * 1000)


async def changes(deadline: float, every: float) -> None:
    """Row 10's agents at work: a ticket changed in this process every `every` seconds."""
    from helpdesk.desk import agent

    while time.monotonic() < deadline:
        await asyncio.sleep(every)
        agent.forget_counts(ACADEMIE)  # what a change made here calls


async def row10_measure(world, row: Row, args) -> str:
    """32 requests at a time on /agent for --seconds per variant and round, one ticket change
    every --change-every seconds (as agents at work): latencies and CPU per request."""
    from helpdesk.desk import queue

    results: dict[str, list] = defaultdict(list)
    for _ in range(args.rounds):
        for variant in row.variants(world):
            with patched(variant.patches):
                queue._COUNTS.clear()
                latencies: list[float] = []
                deadline = time.monotonic() + args.seconds
                before = await world.backends.snapshot()
                cpu = time.process_time()
                await asyncio.gather(
                    changes(deadline, args.change_every),
                    *(agent_pages(world, deadline, latencies) for _ in range(32)),
                )
                cpu = time.process_time() - cpu
                db = Backends.seconds(before, await world.backends.snapshot())
                latencies.sort()
                n = len(latencies)
                results[variant.label].append(
                    (
                        (cpu + db) * 1000 / n,
                        n / args.seconds,
                        latencies[n // 2],
                        latencies[int(n * 0.99)],
                        latencies[int(n * 0.999)],
                        latencies[-1],
                    )
                )
    lines = [
        f"**Ligne 10** : {row.what}",
        "",
        "| variante | CPU ms/req | req/s | p50 ms | p99 ms | p99,9 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, runs in results.items():
        cells = []
        for k in range(6):
            values = [r[k] for r in runs]
            cells.append(f"{ms(statistics.median(values))} ({ms(min(values))}–{ms(max(values))})")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- rows 12, 14, 16


def row12_variants(world):
    """Without: a session's user and the académie's agents read at each page (not a 0 s delay:
    entries remembered by the other variant would still be served for 10 s)."""
    from helpdesk.auth import service
    from helpdesk.desk import queue_routes

    async def staff_read(user_id, epoch=None):
        loaded = await service.load_staff(user_id)
        if loaded is None or (epoch is not None and epoch != loaded[0]):
            return None
        return loaded[1]

    without = [
        (service, "staff_by_id", staff_read),
        (queue_routes, "academy_agents", service.current_agents),
    ]
    return [Variant("aujourd'hui (10 s)"), Variant("lus à chaque page", without)]


class RenderedRows:
    """Row 14, removed on 5 December, put back: each line of the queue rendered once."""

    def __init__(self) -> None:
        self.html: dict = {}

    def __call__(self, row, caller):
        if row not in self.html:
            self.html[row] = caller()
        return self.html[row]


def rendered_rows(world):
    """The queue's template with its lines in `{% call rendered_row(row) %}`, as it was."""
    import jinja2

    jinja = world.app.state.jinja
    source = (BENCH_DIR.parent / "templates" / "agent" / "queue.html").read_text()
    line = re.compile(r"(\{% for row in rows %\})(.*?</tr>\n)", re.S)
    source = line.sub(r"\1{% call rendered_row(row) %}\2    {% endcall %}\n", source, count=1)
    loader = jinja2.ChoiceLoader([jinja2.DictLoader({"agent/queue.html": source}), jinja.loader])
    return [(jinja, "loader", loader), (jinja.globals, "rendered_row", RenderedRows())]


def row14_variants(world):
    return [
        Variant("QueueRow seul (aujourd'hui)"),
        Variant("QueueRow + RenderedRows (remis)", rendered_rows(world)),
    ]


def row16_variants(world):
    jinja = world.app.state.jinja
    return [
        Variant("auto_reload coupé"),
        Variant("auto_reload (dates relues)", [(jinja, "auto_reload", True)]),
    ]


async def agent_page(world, app, i):
    await get_ok(app, "/agent", world.extra["headers"])


# --------------------------------------------------------------------------- form and API


CSRF_INPUT = re.compile(rb'name="_csrf_token" value="([^"]+)"')
FORM_ID = re.compile(rb'name="form_id" value="([^"]+)"')
CSRF_COOKIE = re.compile(rb"csrftoken=([^;]+)")


async def form_ticket(world, app, i):
    """The form's GET then its POST (multipart, CSRF cookie and token), direct ASGI calls with
    bench/tickets.py's bodies, as its load test sends them: one ticket."""
    from tickets import BOUNDARY, multipart_field

    cookie = [("cookie", f"csrftoken={world.extra['csrf']}")] if "csrf" in world.extra else []
    status, headers, page = await asgi(app, "GET", FORM_PAGE, cookie)
    assert status == 200, status
    if set_cookie := CSRF_COOKIE.search(headers.get(b"set-cookie", b"")):
        world.extra["csrf"] = set_cookie.group(1).decode()
        cookie = [("cookie", f"csrftoken={world.extra['csrf']}")]
    body = (
        multipart_field("_csrf_token", CSRF_INPUT.search(page).group(1).decode())
        + multipart_field("form_id", FORM_ID.search(page).group(1).decode())
        + world.extra["form_bodies"].next()
    )
    content_type = ("content-type", f"multipart/form-data; boundary={BOUNDARY}")
    status, _headers, reply = await asgi(app, "POST", "/assistance", [content_type, *cookie], body)
    assert status == 303, (status, reply[:2000])


async def api_ticket(world, app, i):
    status, _h, reply = await asgi(
        app,
        "POST",
        "/api/v1/tickets",
        [("content-type", "application/json")],
        world.extra["api_bodies"].next(),
    )
    assert status == 201, (status, reply[:500])


def blank_form_cache():
    """Row 6, removed on 4 December, put back: the form's first page rendered once per
    (académie, category, banner), the CSRF token and form_id put in by str.replace."""
    import secrets
    from html import escape

    from litestar.utils.scope.state import ScopeState

    from helpdesk.tickets import form_routes as routes

    pages: dict[tuple, str] = {}
    render_form = routes.render_form

    def render(request, values, errors, status_code=200, **extra):
        if set(values) != {"academie", "category", "requester_kind"} or errors:
            return render_form(request, values, errors, status_code, **extra)
        if not (values["academie"] and values["category"]):
            return render_form(request, values, errors, status_code, **extra)
        state = request.app.state
        key = (values["academie"], values["category"], state.incidents.signature)
        html = pages.get(key)
        if html is None:
            name, context = routes.form_context(state, {**values, "form_id": "FORMID"}, {})
            csrf_input = '<input type="hidden" name="_csrf_token" value="CSRFMARK" />'
            html = pages[key] = state.jinja.get_template(name).render(
                context, csrf_input=csrf_input
            )
        token = escape(ScopeState.from_scope(request.scope).csrf_token or "")
        html = html.replace("CSRFMARK", token).replace("FORMID", secrets.token_urlsafe(16))
        return Response(html, media_type=HTML)

    return [(routes, "render_form", render)]


def row6_variants(world):
    pool = world.app.state.engine.pool
    return [
        Variant("aujourd'hui (rendue à chaque GET)"),
        Variant("page vierge gardée", blank_form_cache()),
        Variant(
            "avec la ligne 7 (pool sans remise à zéro)",
            [*blank_form_cache(), (pool, "_reset", no_reset)],
        ),
    ]


async def no_reset(connection) -> None:
    """Row 7, removed on 4 December: the pool's reset as a no-op."""


def row7_variants(world):
    pool = world.app.state.engine.pool
    return [
        Variant("aujourd'hui (remise à zéro)"),
        Variant("pool sans remise à zéro", [(pool, "_reset", no_reset)]),
    ]


def row20_variants(world):
    """Row 20 in two parts. The kept file (kept): looked for and discarded only after the
    « Vérifier » step; without, after every form (two reads and two deletes of stored bytes).
    Whether answers were shown (removed on 5 December): read in the base after each ticket;
    the form's own field (`aide_montree`) spared that read, measured here as the read left out."""
    from helpdesk.tickets import deflection
    from helpdesk.tickets import form_routes as routes
    from helpdesk.tickets.pending import discard_pending_upload, pending_upload

    class FileLookedFor(routes.TicketService):
        async def create(self, request, **kw):
            created = await super().create(request, **kw)
            form_id = kw.get("idempotency_key", "").removeprefix("form:")
            await pending_upload(self.state, form_id)
            await discard_pending_upload(self.state, form_id)
            return created

    async def not_read(form_id: str) -> bool:
        return False

    return [
        Variant("aujourd'hui (fichier après « Vérifier », aide montrée lue dans la base)"),
        Variant("fichier gardé cherché à chaque envoi", [(routes, "TicketService", FileLookedFor)]),
        Variant(
            "aide montrée sans lecture (champ du formulaire, remis)",
            [(deflection, "was_shown", not_read)],
        ),
    ]


def row23_variants(world):
    """Row 23, removed on 5 December, put back: the key looked for in SQL written by hand."""
    from helpdesk.tickets import service
    from helpdesk.tickets.tables import IdempotencyKey

    async def replay_raw(self, key, fingerprint):
        rows = await IdempotencyKey.raw(
            "SELECT k.body_hash, t.id, t.reference FROM idempotency_key k "
            "JOIN ticket t ON t.id = k.ticket WHERE k.key_hash = {}",
            service.hash_token(key),
        )
        assert not rows, "the bench never sends a form twice"

    return [
        Variant("aujourd'hui (requête Piccolo, jointure)"),
        Variant("SQL écrit à la main (remis)", [(service.TicketService, "_replay", replay_raw)]),
    ]


def row24_variants(world):
    """Row 24, removed on 5 December, put back: the académie's targets kept 10 s."""
    from helpdesk.tickets import service, sla

    kept: dict = {}

    async def cached_targets(academie):
        hit = kept.get(academie)
        if hit is None or hit[0] <= time.monotonic():
            hit = kept[academie] = (time.monotonic() + 10.0, await sla.academie_targets(academie))
        return hit[1]

    return [
        Variant("aujourd'hui (lues à chaque demande)"),
        Variant("gardées 10 s (remis)", [(service, "academie_targets", cached_targets)]),
    ]


NEXT_NUMBER_QUICK_COMMIT = (  # row 22, removed on 5 December: the number's commit not flushed
    "INSERT INTO ticket_sequence (academie, year, last_number) "
    "SELECT {}::varchar, {}::integer, 1 "
    "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS quick_commit "
    "ON CONFLICT (academie, year) DO UPDATE SET last_number = ticket_sequence.last_number + 1 "
    "RETURNING last_number"
)


def row22_variants(world):
    from helpdesk.tickets import records

    return [
        Variant("aujourd'hui (commit ordinaire)"),
        Variant(
            "synchronous_commit off (remis)", [(records, "NEXT_NUMBER", NEXT_NUMBER_QUICK_COMMIT)]
        ),
    ]


def row35_variants(world):
    from functools import lru_cache

    from helpdesk.tickets import validation

    cached = lru_cache(maxsize=4096)(validation.suggest_domain)
    return [
        Variant("aujourd'hui (sans)"),
        Variant("lru_cache remis", [(validation, "suggest_domain", cached)]),
    ]


def row36_measure_micro() -> str:
    """vars() against asdict() of a CleanRequest, and the API's body fingerprint: µs per call."""
    from dataclasses import asdict

    from helpdesk.tickets.records import body_fingerprint
    from helpdesk.tickets.validation import CleanRequest

    names = [f.name for f in dataclasses.fields(CleanRequest)]
    request = CleanRequest(
        **{
            name: _sample(f)
            for name, f in zip(names, dataclasses.fields(CleanRequest), strict=True)
        }
    )
    body = {name: str(getattr(request, name)) for name in names}
    out = []
    for label, fn in (
        ("vars(request)", lambda: vars(request)),
        ("asdict(request)", lambda: asdict(request)),
        ("body_fingerprint(corps)", lambda: body_fingerprint(body)),
    ):
        runs = []
        for _ in range(5):
            start = time.process_time()
            for _ in range(20000):
                fn()
            runs.append((time.process_time() - start) / 20000 * 1e6)
        out.append(
            f"| {label} | {fr(statistics.median(runs), 1)} µs ({fr(min(runs), 1)}–{fr(max(runs), 1)}) |"
        )
    return "\n".join(
        ["**Ligne 36** (appels directs)", "", "| appel | CPU par appel |", "| --- | ---: |", *out]
    )


def _sample(f: dataclasses.Field) -> object:
    import datetime as dt

    kind = str(f.type)
    if "date" in kind:
        return dt.date(2014, 3, 4)
    if "int" in kind:
        return 1
    return "Texte de valeur moyenne"


# --------------------------------------------------------------------------- rows 31–34


def held_out_queries() -> list[str]:
    import json

    path = BENCH_DIR / "data" / "faq_queries_unseen.jsonl"
    return [json.loads(line)["query"] for line in path.read_text().splitlines() if line.strip()]


def invented_words(i: int, count: int) -> list[str]:
    """Words no process has seen (6 to 11 letters), different for each operation."""
    rng = random.Random(i)
    return [
        "".join(rng.choices(string.ascii_lowercase, k=rng.randint(6, 11))) for _ in range(count)
    ]


def per_document_scores(self, terms, factor: float = 1.0) -> list[float]:
    """Row 31 without posting lists: each question's keys in a dict, each question scored."""
    docs = getattr(self, "_docs", None)
    if docs is None:
        docs = self._docs = [{} for _ in range(self.size)]
        for key, postings in self.postings.items():
            for index, gain in postings:
                docs[index][key] = gain
    totals = []
    for doc in docs:
        total = 0.0
        for term, weight in terms:
            best = max((doc.get(key, 0.0) for key in term), default=0.0)
            total += factor * weight * best
        totals.append(total)
    return totals


def brute_force_nearest(self, word: str) -> str:
    """Row 33 without the index of deletions: the word compared with every known word."""
    from helpdesk.faq.analysis import LONG_WORD, MIN_FUZZY_LENGTH, STOP, _distance, word_keys

    if word in self._known or word in STOP or len(word) < MIN_FUZZY_LENGTH:
        return word
    if any(key in self._known_keys for key in word_keys(word)) or word.isdigit():
        return word
    depth = 2 if len(word) >= LONG_WORD else 1
    best = None
    for candidate in self._known:
        if abs(len(candidate) - len(word)) <= depth:
            distance = _distance(word, candidate)
            if distance <= depth:
                rank = (distance, -self._known[candidate], candidate)
                if best is None or rank < best:
                    best = rank
    return best[2] if best else word


def row31_variants(world):
    from helpdesk.faq import search

    return [
        Variant("listes de postings"),
        Variant("question par question", [(search._Field, "scores", per_document_scores)]),
    ]


def row33_variants(world):
    from helpdesk.faq import analysis

    return [
        Variant("index des suppressions"),
        Variant(
            "comparaison à tous les mots", [(analysis.Analyzer, "_nearest", brute_force_nearest)]
        ),
    ]


def bounded_query_terms(self, text: str):
    """Row 32, removed on 5 December, put back: 12 unknown words of a query corrected at most."""
    from helpdesk.faq.analysis import pairs, split_words

    words, corrected, tried = [], set(), 0
    for position, word in enumerate(split_words(text)):
        fixed = word
        if tried < 12 and word not in self._known:
            tried += 1
            fixed = self.correct(word)
        if fixed != word:
            corrected.add(position)
        words.append(fixed)
    terms, _, weights = self._terms(words, frozenset(corrected))
    weighted = {}
    for term, weight in [*zip(terms, weights, strict=True), *((p, 1.0) for p in pairs(terms))]:
        weighted[term] = max(weight, weighted.get(term, 0.0))
    return list(weighted.items())


def row32_variants(world):
    from helpdesk.faq import analysis

    return [
        Variant("aujourd'hui (sans borne)"),
        Variant(
            "12 mots corrigés au plus", [(analysis.Analyzer, "query_terms", bounded_query_terms)]
        ),
    ]


def row34_variants(world):
    from functools import lru_cache

    from helpdesk.triage import features

    return [
        Variant("aujourd'hui (sans)"),
        Variant(
            "lru_cache remis", [(features, "_word", lru_cache(maxsize=50_000)(features._word))]
        ),
    ]


QUERIES: list[str] = []
TRIAGE_TEXTS: list[str] = []


def faq_search(world, app, i):
    QUERIES or QUERIES.extend(held_out_queries())
    world.extra["faq"].search(QUERIES[i % len(QUERIES)])


def faq_search_fresh(world, app, i):
    """A held-out query, the corrections forgotten first (words never seen by the process)."""
    QUERIES or QUERIES.extend(held_out_queries())
    faq = world.extra["faq"]
    faq.index.analyzer.forget_corrections()
    faq.search(QUERIES[i % len(QUERIES)])


def triage_text(world, app, i):
    if not TRIAGE_TEXTS:
        from helpdesk.triage.service import read_jsonl

        path = BENCH_DIR.parent / "helpdesk" / "triage" / "data" / "test.jsonl"
        TRIAGE_TEXTS.extend(row["text"] for row in read_jsonl(path))
    world.extra["triage"].classify(TRIAGE_TEXTS[i % len(TRIAGE_TEXTS)])


def triage_invented(world, app, i):
    """A 5 000-character message of words never seen (the worst case of the bound)."""
    world.extra["triage"].classify(" ".join(invented_words(i, 800))[:5000])


def search_invented(world, app, i):
    """/aide?q= at its 200 characters, words never seen."""
    world.extra["faq"].search(" ".join(invented_words(i, 40))[:200])


# --------------------------------------------------------------------------- row 37: memory


def row37_memory() -> str:
    """Bytes held by the places of « Trouver mon académie », with and without slots and tuples
    (removed on 5 December, put back here)."""
    from helpdesk.contacts import lieux

    def slotted(cls):
        fields = [(f.name, f.type) for f in dataclasses.fields(cls)]
        slotted = dataclasses.make_dataclass(cls.__name__, fields, frozen=True, slots=True)
        slotted.libelle = cls.libelle
        return slotted

    class TupleLieux(lieux.Lieux):
        def __init__(self, departements, communes):
            super().__init__(departements, communes)
            for name in ("_names", "_articled", "_postcodes"):
                setattr(self, name, {k: tuple(v) for k, v in getattr(self, name).items()})

    variants = [
        ("aujourd'hui (dataclasses ordinaires, listes)", []),
        ("slots et tuples remis", [(lieux, "Departement", slotted(lieux.Departement)),
                                   (lieux, "Commune", slotted(lieux.Commune)),
                                   (lieux, "Lieux", TupleLieux)]),
    ]  # fmt: skip
    runs: dict[str, list[float]] = defaultdict(list)
    for _ in range(3):
        for label, patches in variants:
            with patched(patches):
                tracemalloc.start()
                held = lieux.load_lieux.__wrapped__(lieux.DONNEES)
                size = tracemalloc.get_traced_memory()[0]
                tracemalloc.stop()
                del held
            runs[label].append(size / 2**20)
    lines = [
        "**Ligne 37** : mémoire des lieux chargés (tracemalloc)",
        "",
        "| variante | Mio |",
        "| --- | ---: |",
    ]
    lines += [f"| {label} | {fr(statistics.median(v), 1)} |" for label, v in runs.items()]
    return "\n".join(lines)


# --------------------------------------------------------------------------- the rows


ROWS = [
    Row(1, "`GET /aide` (gzip demandé), appel ASGI direct", "pages", row1_variants,
        lambda w, app, i: get_ok(app, "/aide", GZIP), ops=4000),
    Row(5, "`GET /aide/contact?academie=orleans-tours`, appel ASGI direct", "pages", row5_variants,
        lambda w, app, i: get_ok(app, f"/aide/contact?academie={ACADEMIE}", GZIP), ops=150),
    Row(6, "formulaire : GET puis POST (une demande), PostgreSQL", "form", row6_variants, form_ticket, ops=300),
    Row(7, "formulaire : GET puis POST (une demande), PostgreSQL", "form", row7_variants, form_ticket, ops=300),
    Row(10, "`GET /agent`, 32 à la fois, 100 000 demandes, PostgreSQL", "queue", row10_variants, agent_page,
        measure=row10_measure),
    Row(12, "`GET /agent` (page e), 100 000 demandes, PostgreSQL", "queue", row12_variants, agent_page, ops=600),
    Row(14, "`GET /agent` (page e), 100 000 demandes, PostgreSQL", "queue", row14_variants, agent_page, ops=600),
    Row(16, "`GET /agent` (page e), 100 000 demandes, PostgreSQL", "queue", row16_variants, agent_page, ops=600),
    Row(16, "formulaire : GET puis POST (une demande), PostgreSQL", "form", row16_variants, form_ticket, ops=300),
    Row(20, "formulaire : GET puis POST (une demande), PostgreSQL", "form", row20_variants, form_ticket, ops=300),
    Row(22, "`POST /api/v1/tickets`, 16 à la fois, PostgreSQL", "form", row22_variants, api_ticket, ops=480, batch=16),
    Row(23, "formulaire : GET puis POST (une demande), PostgreSQL", "form", row23_variants, form_ticket, ops=300),
    Row(24, "`POST /api/v1/tickets`, PostgreSQL", "form", row24_variants, api_ticket, ops=400),
    Row(31, "recherche de la FAQ, requêtes tenues à l'écart", "pure", row31_variants, faq_search, ops=2000),
    Row(32, "tri d'un message de 5 000 caractères de mots jamais vus", "pure", row32_variants, triage_invented, ops=40),
    Row(32, "`/aide?q=` de 200 caractères de mots jamais vus", "pure", row32_variants, search_invented, ops=200),
    Row(33, "recherche de la FAQ, corrections oubliées avant chaque requête", "pure", row33_variants, faq_search_fresh, ops=300),
    Row(34, "tri d'un message (fichier de test du tri)", "pure", row34_variants, triage_text, ops=1000),
    Row(35, "formulaire : GET puis POST (une demande), PostgreSQL", "form", row35_variants, form_ticket, ops=300),
]  # fmt: skip
STANDALONE = {36: row36_measure_micro, 37: row37_memory}


async def run(args) -> None:
    wanted = set(args.rows)
    rows = [r for r in ROWS if "all" in wanted or str(r.number) in wanted]
    for world_name, make in WORLDS.items():
        chosen = [r for r in rows if r.world == world_name]
        if not chosen:
            continue
        async with make(args) as world:
            if world_name == "pages":
                world.litestar_cache_app = world.extra["litestar_cache"]
            for row in chosen:
                if row.measure is not None:
                    text = await row.measure(world, row, args)
                else:
                    ops = max(1, int(row.ops * args.scale))
                    text = report(row, await timed_rounds(world, row, ops, args.rounds))
                print(text + "\n", flush=True)
    for number, measure in STANDALONE.items():
        if "all" in wanted or str(number) in wanted:
            print(measure() + "\n", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rows", nargs="+", help="numéros de lignes, « all » ou « list »")
    parser.add_argument("--rounds", type=int, default=3, help="passes de chaque variante (3)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplie le nombre d'opérations")
    parser.add_argument(
        "--tickets", type=int, default=100_000, help="demandes de la file (100 000)"
    )
    parser.add_argument("--queue-db", help="base PostgreSQL déjà remplie, gardée à la fin")
    parser.add_argument("--seconds", type=float, default=60, help="ligne 10 : durée d'une passe")
    parser.add_argument(
        "--change-every", type=float, default=5, help="ligne 10 : un changement toutes les N s"
    )
    args = parser.parse_args()
    if args.rows == ["list"]:
        for row in ROWS:
            print(f"{row.number:>3}  {row.what}")
        for number, measure in STANDALONE.items():
            print(f"{number:>3}  {measure.__doc__.splitlines()[0]}")
        return
    logging.disable(logging.WARNING)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
