#!/usr/bin/env python3
"""Tickets created per second, nothing lost: `.venv/bin/python bench/tickets.py`.

For each database (SQLite, then a fresh PostgreSQL base `helpdesk_bench_<random>`), starts on
127.0.0.1: a mail sink (bench/smtp_sink.py), `helpdesk worker` (the outbox sender) and
`helpdesk serve --workers 2` (rate limits off, HELPDESK_MAIL_SENDER=worker, temporary data dir).
Then N concurrent clients (one keep-alive HTTP/1.1 connection each, and its own CSRF cookie;
a minimal client on asyncio streams, see Connection) create tickets for a bounded time, one way
after the other; the bodies (BODIES varied people and messages) are prepared before the load:

- api:  POST /api/v1/tickets with valid JSON bodies (names, categories, messages vary), 201;
- form: GET /assistance?academie=orleans-tours&categorie=date_naissance (CSRF cookie and token,
  form_id), then POST /assistance as multipart/form-data with js=1, 303. A GET+POST pair is one
  ticket; the latency reported is the POST's (the GET's is shown apart).

Reports tickets/s, p50/p99 of the creating request, statuses, and checks in the database
(sqlite3 / asyncpg directly) that the `ticket` rows added equal the successes, that each has
its acknowledgement in `outbox_mail`, and how the outbox backlog (pending + sending) evolves:
at the end of the load, a few seconds later, and how long it takes to empty. Prints a
Markdown table and writes it to bench/results/tickets-<date>.md. Stops everything it started,
drops the PostgreSQL base it created.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import sqlite3
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import (  # noqa: E402
    BENCH_DIR,
    CLOCK_TICKS,
    PYTHON,
    BenchError,
    CpuWatch,
    Processes,
    connections_by_process,
    create_pg_database,
    drop_pg_database,
    fr,
    free_port,
    helpdesk_env,
    md_table,
    new_pg_name,
    percentile,
    pg_url,
    rss_by_process,
    run_measure,
    run_migrate,
    start_helpdesk,
    wait_for_other_benches,
    wait_port,
    wait_quiet,
    worker_argv,
)
from fakedata import People  # noqa: E402

API_CATEGORIES = ("date_naissance", "mot_de_passe", "identifiant_perdu", "rattachement")
# Searched in the page's bytes, not a decoded copy: the client must cost the machine little.
_CSRF = re.compile(rb'name="_csrf_token" value="([^"]+)"')
_FORM_ID = re.compile(rb'name="form_id" value="([^"]+)"')


# --------------------------------------------------------------------------- bodies

UNIQUE = "__N__"  # stands for the running number that makes each e-mail address unique
BODIES = 2000  # different bodies prepared before the load, numbered while it runs
BOUNDARY = "----helpdeskbench7d93a1"


def api_body(people: People, n: int | str) -> dict:
    who = people.person(n)
    category = people.rng.choice(API_CATEGORIES)
    return {
        "academie": "orleans-tours",
        "category": category,
        "degre": who["degre"],
        "uai": who["uai"],
        "requester": {
            "kind": "parent",
            "first_name": who["first_name"],
            "last_name": who["last_name"],
            "email": who["email"],
            "phone": who["phone"],
        },
        "child": {
            "first_name": who["child_first_name"],
            "last_name": who["child_last_name"],
            "birth_date": who["birth"].isoformat(),
            "refused_birth_date": who["refused"].isoformat(),
            "classe": who["classe"],
        },
        "message": people.message(category, who),
    }


def form_fields(people: People, n: int | str) -> dict:
    who = people.person(n)
    return {  # the fields of tests/helpers.py VALID_FORM, varied
        "academie": "orleans-tours",
        "category": "date_naissance",
        "degre": who["degre"],
        "requester_kind": "parent",
        "requester_first_name": who["first_name"],
        "requester_last_name": who["last_name"],
        "requester_email": who["email"],
        "email_confirme": who["email"],
        "requester_phone": f"{who['phone'][:2]} {who['phone'][2:4]} {who['phone'][4:6]} "
        f"{who['phone'][6:8]} {who['phone'][8:]}",
        "child_first_name": who["child_first_name"],
        "child_last_name": who["child_last_name"],
        "child_birth_date": who["birth"].strftime("%d/%m/%Y"),
        "refused_birth_date": who["refused"].strftime("%d/%m/%Y"),
        "uai": who["uai"],
        "message": people.message("date_naissance", who),
    }


def multipart_field(name: str, value: str) -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
    ).encode()


EMPTY_FILE = (  # what a browser sends for a file input left empty
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="piece_jointe"; filename=""\r\n'
    f"Content-Type: application/octet-stream\r\n\r\n\r\n--{BOUNDARY}--\r\n"
).encode()


class Bodies:
    """Request bodies prepared before the load (the client must not spend the machine making
    them): BODIES varied people and messages, each e-mail address made unique by a running
    number put in at sending time."""

    def __init__(self, mode: str, seed: int) -> None:
        people = People(seed)
        self.n = 0
        self.templates: list[list[bytes]] = []
        for _ in range(BODIES):
            if mode == "api":
                raw = json.dumps(api_body(people, UNIQUE), ensure_ascii=False).encode()
            else:
                fields = {"js": "1", **form_fields(people, UNIQUE)}
                raw = b"".join(multipart_field(k, v) for k, v in fields.items()) + EMPTY_FILE
            self.templates.append(raw.split(UNIQUE.encode()))

    def next(self) -> bytes:
        self.n += 1
        parts = self.templates[self.n % BODIES]
        return str(self.n).encode().join(parts)


# --------------------------------------------------------------------------- HTTP client


class HttpError(Exception):
    pass


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names; set-cookie values joined by "\n"
    body: bytes


class Connection:
    """A minimal HTTP/1.1 keep-alive client on one connection (asyncio streams, uvloop): a few
    tens of microseconds per request where httpx took about half a millisecond. Enough for
    this app: Content-Length or chunked bodies, reconnection when the server closes."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None

    async def request(self, head: bytes, body: bytes = b"") -> Reply:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        try:
            reply = await self._read()
        except (asyncio.IncompleteReadError, ConnectionError) as error:
            await self.close()
            raise HttpError(type(error).__name__) from error
        if reply.headers.get("connection", "").lower() == "close":
            await self.close()
        return reply

    async def _read(self) -> Reply:
        assert self.reader is not None
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                name, value = name.lower(), value.strip()
                headers[name] = f"{headers[name]}\n{value}" if name in headers else value
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                chunks.append(await self.reader.readexactly(size + 2))
            await self.reader.readuntil(b"\r\n")
            body = b"".join(c[:-2] for c in chunks)
        else:
            body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        return Reply(status, headers, body)


def request_head(method: str, target: str, host: str, *headers: str) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}", *headers]
    return ("\r\n".join(lines) + "\r\n").encode()


# --------------------------------------------------------------------------- load


@dataclass
class Phase:
    mode: str
    created: int = 0
    latencies: list[float] = field(default_factory=list)  # the creating request, seconds
    get_latencies: list[float] = field(default_factory=list)  # form: the GET before
    statuses: Counter = field(default_factory=Counter)  # creating request's status
    errors: Counter = field(default_factory=Counter)  # non-success, by status or exception
    references: set[str] = field(default_factory=set)
    elapsed: float = 0.0
    backlog_samples: list[tuple[float, int]] = field(default_factory=list)
    split: list[int] = field(default_factory=list)  # clients held by each app process
    rss: list[float] = field(default_factory=list)  # MiB of each app process, after the load


_REFERENCE = re.compile(rb'"reference":\s*"([^"]+)"')
_COOKIE = re.compile(r"csrftoken=([^;]+)")
FORM_PATH = "/assistance?academie=orleans-tours&categorie=date_naissance"


async def api_client(address, deadline: float, phase: Phase, bodies: Bodies) -> None:
    conn = Connection(*address)
    head = request_head(
        "POST", "/api/v1/tickets", f"{address[0]}:{address[1]}", "Content-Type: application/json"
    )
    try:
        while time.monotonic() < deadline:
            body = bodies.next()
            start = time.perf_counter()
            try:
                reply = await conn.request(head, body)
            except (HttpError, OSError) as error:
                phase.errors[str(error) or type(error).__name__] += 1
                continue
            phase.latencies.append(time.perf_counter() - start)
            phase.statuses[reply.status] += 1
            if reply.status == 201:
                phase.created += 1
                phase.references.add(_REFERENCE.search(reply.body).group(1).decode())
            else:
                phase.errors[str(reply.status)] += 1
    finally:
        await conn.close()


async def form_client(address, deadline: float, phase: Phase, bodies: Bodies) -> None:
    """GET the form (CSRF cookie and token, form_id), then POST it: a browser's two requests."""
    conn = Connection(*address)
    host = f"{address[0]}:{address[1]}"
    cookie = ""  # the CSRF cookie, kept by the client as a browser does
    post_head = f"Content-Type: multipart/form-data; boundary={BOUNDARY}"
    try:
        while time.monotonic() < deadline:
            start = time.perf_counter()
            try:
                extra = (f"Cookie: csrftoken={cookie}",) if cookie else ()
                page = await conn.request(request_head("GET", FORM_PATH, host, *extra))
            except (HttpError, OSError) as error:
                phase.errors[f"GET {error or type(error).__name__}"] += 1
                continue
            phase.get_latencies.append(time.perf_counter() - start)
            if set_cookie := _COOKIE.search(page.headers.get("set-cookie", "")):
                cookie = set_cookie.group(1)
            token, form_id = _CSRF.search(page.body), _FORM_ID.search(page.body)
            if page.status != 200 or not token or not form_id or not cookie:
                phase.errors[f"GET {page.status}"] += 1
                continue
            body = (
                multipart_field("_csrf_token", token.group(1).decode())
                + multipart_field("form_id", form_id.group(1).decode())
                + bodies.next()
            )
            head = request_head(
                "POST", "/assistance", host, post_head, f"Cookie: csrftoken={cookie}"
            )
            start = time.perf_counter()
            try:
                reply = await conn.request(head, body)
            except (HttpError, OSError) as error:
                phase.errors[str(error) or type(error).__name__] += 1
                continue
            phase.latencies.append(time.perf_counter() - start)
            phase.statuses[reply.status] += 1
            if reply.status == 303 and "/suivi/" in reply.headers.get("location", ""):
                phase.created += 1
            else:
                phase.errors[str(reply.status)] += 1
    finally:
        await conn.close()


# --------------------------------------------------------------------------- database


class Db:
    """Counts read straight from the database, not through the app."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pg = None

    async def open(self) -> None:
        if self.url.startswith("postgresql"):
            import asyncpg

            self.pg = await asyncpg.connect(self.url)

    async def close(self) -> None:
        if self.pg is not None:
            await self.pg.close()

    async def scalar(self, sql: str) -> int:
        if self.pg is not None:
            return int(await self.pg.fetchval(sql))
        path = self.url.removeprefix("sqlite:///")

        def run() -> int:
            conn = sqlite3.connect(path, timeout=30)
            try:
                return int(conn.execute(sql).fetchone()[0])
            finally:
                conn.close()

        return await asyncio.to_thread(run)

    async def tickets(self) -> int:
        return await self.scalar("SELECT COUNT(*) FROM ticket")

    async def acknowledgements(self) -> int:
        return await self.scalar("SELECT COUNT(*) FROM outbox_mail WHERE kind = 'accuse_reception'")

    async def backlog(self) -> int:
        return await self.scalar(
            "SELECT COUNT(*) FROM outbox_mail WHERE status IN ('pending', 'sending')"
        )

    async def failed(self) -> int:
        return await self.scalar("SELECT COUNT(*) FROM outbox_mail WHERE status = 'failed'")

    async def sent(self) -> int:
        return await self.scalar("SELECT COUNT(*) FROM outbox_mail WHERE status = 'sent'")


def postgres_ticks() -> dict[int, int]:
    """CPU ticks so far of each PostgreSQL process of the machine."""
    ticks = {}
    for entry in Path("/proc").iterdir():
        try:
            raw = (entry / "stat").read_text()
        except (OSError, NotADirectoryError):
            continue
        if raw[raw.index("(") + 1 : raw.rindex(")")].startswith("postgres"):
            fields = raw.rsplit(")", 1)[1].split()
            ticks[int(entry.name)] = int(fields[11]) + int(fields[12])
    return ticks


class PgCpu:
    """PostgreSQL's CPU for our database only: its backends and the shared background processes
    (WAL writer, checkpointer…), not the backends of other databases (others may run their
    tests on the same server meanwhile; CpuWatch counts every postgres process)."""

    def __init__(self, db: Db) -> None:
        self.db = db

    async def start(self) -> None:
        self.before = postgres_ticks()

    async def stop(self, cpu: dict[str, float]) -> None:
        after = postgres_ticks()
        rows = await self.db.pg.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "OR (datname IS NULL AND backend_type <> 'client backend')"
        )
        backend = await self.db.pg.fetchval("SELECT pg_backend_pid()")
        postmaster = int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
        ours = {row["pid"] for row in rows} | {postmaster}
        used = sum(after[pid] - self.before.get(pid, 0) for pid in ours if pid in after)
        foreign = max(0.0, cpu["postgres"] - used / CLOCK_TICKS)
        cpu["postgres"] = used / CLOCK_TICKS
        # What other databases' backends took goes to the other processes' share.
        cpu["autres (part)"] += foreign / (cpu["durée"] * len(os.sched_getaffinity(0)))


def sink_count(path: Path) -> int:
    try:
        return int(path.read_text() or 0)
    except (OSError, ValueError):
        return 0


async def sample_backlog(db: Db, phase: Phase, stop: asyncio.Event, t0: float) -> None:
    while not stop.is_set():
        try:
            phase.backlog_samples.append((time.monotonic() - t0, await db.backlog()))
        except Exception:  # noqa: BLE001 - a sample may fail under load; the next one counts
            pass
        try:
            await asyncio.wait_for(stop.wait(), timeout=1.0)
        except TimeoutError:
            pass


async def load(
    mode: str, base: str, clients: int, seconds: float, db: Db | None, bodies: Bodies, app_pid=0
) -> Phase:
    phase = Phase(mode)
    address = (urlsplit(base).hostname, urlsplit(base).port)
    if app_pid:  # once every client is connected
        asyncio.get_running_loop().call_later(
            min(1.0, seconds / 2),
            lambda: phase.split.extend(connections_by_process(app_pid, address[1])),
        )
    run = api_client if mode == "api" else form_client
    t0 = time.monotonic()
    deadline = t0 + seconds
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_backlog(db, phase, stop, t0)) if db else None
    tasks = [asyncio.create_task(run(address, deadline, phase, bodies)) for _ in range(clients)]
    try:
        # Bounded: the last requests get their own 30 s timeout, then everything is cancelled.
        done, pending = await asyncio.wait(tasks, timeout=seconds + 45)
        for task in pending:
            task.cancel()
            phase.errors["annulé (délai dépassé)"] += 1
        for task in done:
            if task.exception():
                raise BenchError(f"client en erreur : {task.exception()!r}")
    finally:
        stop.set()
        if sampler:
            await sampler
    phase.elapsed = time.monotonic() - t0
    if app_pid:
        phase.rss = rss_by_process(app_pid, address[1])
    return phase


async def wait_drained(db: Db, timeout: float) -> tuple[float | None, int]:
    """Seconds until the outbox backlog is empty (None if not within timeout), last backlog."""
    t0 = time.monotonic()
    backlog = await db.backlog()
    while backlog > 0:
        if time.monotonic() - t0 > timeout:
            return None, backlog
        await asyncio.sleep(0.5)
        backlog = await db.backlog()
    return time.monotonic() - t0, 0


# --------------------------------------------------------------------------- one backend


def loop_factory():
    """uvloop when installed (uvicorn[standard] brings it): a lighter client."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


@dataclass
class Row:
    backend: str
    mode: str
    phase: Phase
    rows_added: int
    acks_added: int
    unique_refs_ok: bool
    backlog_end: int
    backlog_later: int
    backlog_max: int
    drain_seconds: float | None
    drain_left: int
    mails_received: int
    mails_failed: int
    cpu: dict[str, float]

    @property
    def lost(self) -> int:
        return self.phase.created - self.rows_added


def run_backend(backend: str, args: argparse.Namespace, procs: Processes, tmp: Path) -> list[Row]:
    data = tmp / backend / "data"
    data.mkdir(parents=True)
    pg_name = ""
    if backend == "postgresql":
        pg_name = new_pg_name()
        create_pg_database(pg_name)
        url = pg_url(pg_name)
    else:
        url = f"sqlite:///{data / 'helpdesk.sqlite3'}"
    try:
        sink_port = free_port()
        env = helpdesk_env(
            data,
            url,
            HELPDESK_SMTP_HOST="127.0.0.1",
            HELPDESK_SMTP_PORT=str(sink_port),
            HELPDESK_SMTP_TLS="none",
        )
        run_migrate(env)
        count_file = tmp / backend / "sink-count"
        sink = procs.start(
            "capteur SMTP",
            [
                PYTHON,
                str(BENCH_DIR / "smtp_sink.py"),
                "--port",
                str(sink_port),
                "--count-file",
                str(count_file),
            ],
            tmp / backend / "sink.log",
        )
        wait_port(sink_port)
        worker = worker_argv(args.worker_loop, args.worker_nice)
        if args.variants:  # the same command, with the variants of bench/variants.py applied
            worker = [
                PYTHON,
                "-c",
                f"import sys; sys.path.append({str(BENCH_DIR)!r}); import variants; "
                "from helpdesk.cli import main; sys.exit(main(['worker']))",
            ]
        worker = procs.start(
            "helpdesk worker",
            worker,
            tmp / backend / "worker.log",
            env=env | {"BENCH_VARIANTS": args.variants} | args.worker_env,
        )
        app, base = start_helpdesk(
            procs, env, tmp / backend / "helpdesk.log", args.workers, variants=args.variants
        )
        groups = {"app": app.proc.pid, "worker": worker.proc.pid, "capteur": sink.proc.pid}
        print(
            f"· {backend} : {base} ({args.workers} processus), worker, capteur SMTP :{sink_port}",
            flush=True,
        )
        with asyncio.Runner(loop_factory=loop_factory()) as runner:
            return runner.run(measure_backend(backend, base, url, args, procs, groups, count_file))
    finally:
        procs.stop_all()
        if pg_name and not args.keep_database:
            drop_pg_database(pg_name)
        elif pg_name:
            print(f"· base conservée : {url}")


async def measure_backend(backend, base, url, args, procs, groups, count_file) -> list[Row]:
    db = Db(url)
    await db.open()
    rows = []
    try:
        for mode in args.modes:
            await asyncio.to_thread(wait_for_other_benches, args.other_wait)
            others = await asyncio.to_thread(wait_quiet, groups, args.quiet_wait)
            if others > 0.10:
                print(f"  ! la machine reste occupée par d'autres processus ({others:.0%})")
            if args.warmup:
                await load(mode, base, args.clients, args.warmup, None, Bodies(mode, seed=7))
                drained, left = await wait_drained(db, args.drain_timeout)
                if drained is None:
                    print(f"  ! la file d'envoi garde {left} courriels après la chauffe")
            await asyncio.sleep(1.2)  # the sink's count file is rewritten once a second
            procs.check_alive()
            before = await db.tickets()
            acks_before = await db.acknowledgements()
            received_before = sink_count(count_file)
            failed_before = await db.failed()
            bodies = Bodies(mode, args.seed)
            watch, pg_cpu = CpuWatch(groups), PgCpu(db) if db.pg is not None else None
            if pg_cpu:
                await pg_cpu.start()
            phase = await load(mode, base, args.clients, args.duration, db, bodies, groups["app"])
            cpu = watch.stop()
            if pg_cpu:
                await pg_cpu.stop(cpu)
            backlog_end = await db.backlog()
            await asyncio.sleep(args.backlog_wait)
            backlog_later = await db.backlog()
            drained, left = await wait_drained(db, args.drain_timeout)
            await asyncio.sleep(1.5)  # the sink writes its count once a second
            procs.check_alive()
            row = Row(
                backend=backend,
                mode=mode,
                phase=phase,
                rows_added=await db.tickets() - before,
                acks_added=await db.acknowledgements() - acks_before,
                unique_refs_ok=mode != "api" or len(phase.references) == phase.created,
                backlog_end=backlog_end,
                backlog_later=backlog_later,
                backlog_max=max((n for _, n in phase.backlog_samples), default=backlog_end),
                drain_seconds=None if drained is None else drained + args.backlog_wait,
                drain_left=left,
                mails_received=sink_count(count_file) - received_before,
                mails_failed=await db.failed() - failed_before,
                cpu=cpu,
            )
            print_row(row)
            rows.append(row)
    finally:
        await db.close()
    return rows


# --------------------------------------------------------------------------- report


def ms(seconds: float) -> str:
    return fr(seconds * 1000, 1)


def print_row(r: Row) -> None:
    p = r.phase
    lat = sorted(p.latencies)
    print(
        f"  {r.mode:<4} {p.created:>6} demandes en {p.elapsed:5.1f} s = {p.created / p.elapsed:7.1f}/s"
        f"  p50 {ms(percentile(lat, 50))} ms  p99 {ms(percentile(lat, 99))} ms"
        f"  erreurs {dict(p.errors) or 0}  lignes +{r.rows_added} (perdues {r.lost})"
        f"  file d'envoi fin {r.backlog_end} / plus tard {r.backlog_later} / max {r.backlog_max}"
        f"  vidée en {'—' if r.drain_seconds is None else f'{r.drain_seconds:.1f} s'}"
        f"  clients par processus {' / '.join(map(str, p.split)) or '?'}"
        f"  mémoire par processus {' / '.join(f'{m:.0f}' for m in p.rss) or '?'} Mio",
        flush=True,
    )


def render(rows: list[Row], args, info: dict, when: dt.datetime) -> str:
    header = [
        "base",
        "voie",
        "demandes créées",
        "demandes/s",
        "p50 (ms)",
        "p99 (ms)",
        "GET formulaire p50 / p99 (ms)",
        "201 / 303",
        "erreurs",
        "lignes `ticket` ajoutées",
        "perdues",
        "accusés en file",
        f"file d'envoi : fin / +{args.backlog_wait:g} s / max",
        "file vidée en",
        "courriels reçus par le capteur",
        "clients par processus",
        "mémoire par processus (Mio, après la charge)",
    ]
    table = []
    for r in rows:
        p = r.phase
        lat, get_lat = sorted(p.latencies), sorted(p.get_latencies)
        ok_status = 201 if r.mode == "api" else 303
        table.append(
            [
                "SQLite" if r.backend == "sqlite" else "PostgreSQL",
                "API JSON" if r.mode == "api" else "formulaire (GET + POST)",
                fr(p.created),
                fr(p.created / p.elapsed, 1),
                ms(percentile(lat, 50)),
                ms(percentile(lat, 99)),
                f"{ms(percentile(get_lat, 50))} / {ms(percentile(get_lat, 99))}"
                if get_lat
                else "—",
                fr(p.statuses.get(ok_status, 0)),
                ", ".join(f"{k} × {v}" for k, v in sorted(p.errors.items())) or "0",
                fr(r.rows_added),
                f"{r.lost}" + ("" if r.unique_refs_ok else " (références en double !)"),
                fr(r.acks_added),
                f"{fr(r.backlog_end)} / {fr(r.backlog_later)} / {fr(r.backlog_max)}",
                f"pas vidée en {args.drain_timeout:g} s ({r.drain_left} restants)"
                if r.drain_seconds is None
                else f"{fr(r.drain_seconds, 1)} s",
                fr(r.mails_received) + (f" ({r.mails_failed} en échec)" if r.mails_failed else ""),
                " / ".join(map(str, p.split)) or "?",
                " / ".join(f"{m:.0f}" for m in p.rss) or "?",
            ]
        )
    cpu_header = [
        "base",
        "voie",
        "durée (s)",
        f"app ({args.workers} processus)",
        "worker",
        "PostgreSQL",
        "capteur SMTP",
        "client (ce script)",
        "autres processus",
    ]
    cpu_rows = []
    for r in rows:
        c = r.cpu
        d = c["durée"] or 1

        def share(name: str, c: dict = c, d: float = d) -> str:
            return f"{100 * c.get(name, 0) / d:.0f} %"

        cpu_rows.append(
            [
                "SQLite" if r.backend == "sqlite" else "PostgreSQL",
                r.mode,
                fr(d, 1),
                share("app"),
                share("worker"),
                share("postgres") if r.backend == "postgresql" else "—",
                share("capteur"),
                share("client"),
                f"{100 * c['autres (part)']:.0f} % de la machine",
            ]
        )
    verdict = []
    for r in rows:
        name = f"{r.backend} / {r.mode}"
        if r.lost == 0 and r.acks_added == r.rows_added and r.unique_refs_ok:
            verdict.append(
                f"{name} : rien perdu ({r.rows_added} lignes = {r.phase.created} succès, un accusé de réception par demande)."
            )
        else:
            verdict.append(
                f"{name} : ÉCART : {r.phase.created} succès, {r.rows_added} lignes, {r.acks_added} accusés."
            )
    md = [
        f"# Création de demandes : mesure du {when:%Y-%m-%d %H:%M}",
        "",
        *(
            [
                f"**Expérience : correctifs candidats appliqués par bench/variants.py : `{args.variants}`.**",
                "",
            ]
            if args.variants
            else []
        ),
        f"{args.clients} clients simultanés (une connexion HTTP/1.1 chacun, client minimal sur "
        f"asyncio et uvloop), {args.duration:g} s "
        f"mesurées par voie après {args.warmup:g} s de chauffe ; {args.workers} processus uvicorn "
        "(`helpdesk serve`, une socket d'écoute chacun), limites de "
        "débit coupées ; `helpdesk worker` envoie la file vers un capteur SMTP local "
        "(bench/smtp_sink.py). Latence : la requête qui crée la demande (POST). Client, serveurs "
        "et base sur la même machine, 127.0.0.1 uniquement.",
        "",
        md_table(header, table),
        "",
        f"Temps processeur pendant la mesure (100 % = un cœur ; la machine en a {info['cœurs']}) :",
        "",
        md_table(cpu_header, cpu_rows),
        "",
        *(f"- {v}" for v in verdict),
        "",
        "## Machine",
        "",
        *(f"- {k} : {v}" for k, v in info.items()),
        "",
    ]
    return "\n".join(md)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=32, help="clients simultanés (32)")
    p.add_argument("--duration", type=float, default=20, help="secondes mesurées par voie (20)")
    p.add_argument("--warmup", type=float, default=3, help="secondes de chauffe par voie (3)")
    p.add_argument("--workers", type=int, default=2, help="processus de l'app (2)")
    p.add_argument("--backends", default="sqlite,postgresql", help="sqlite,postgresql")
    p.add_argument("--modes", default="api,form", help="api,form")
    p.add_argument("--backlog-wait", type=float, default=5, help="file d'envoi relue après (5 s)")
    p.add_argument(
        "--drain-timeout", type=float, default=120, help="attente max. de la file (120 s)"
    )
    p.add_argument(
        "--quiet-wait", type=float, default=120, help="attente max. d'une machine calme (120 s)"
    )
    p.add_argument(
        "--other-wait", type=float, default=3600, help="attente max. des autres mesures (3600 s)"
    )
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument(
        "--keep-database", action="store_true", help="ne pas supprimer la base PostgreSQL"
    )
    p.add_argument(
        "--variants",
        default="",
        help="correctifs candidats de bench/variants.py appliqués à l'app (expérience), ex. noreset,rawlist",
    )
    p.add_argument(
        "--worker-env",
        action="append",
        default=[],
        help="variable d'environnement du worker, ex. HELPDESK_WORKER_NICE=0 (répétable)",
    )
    p.add_argument(
        "--worker-loop", choices=("asyncio", "uvloop"), default="asyncio", help="boucle du worker"
    )
    p.add_argument("--worker-nice", type=int, default=0, help="worker lancé sous nice -n N")
    p.add_argument("--output", type=Path, default=None)
    args = p.parse_args(argv)
    args.worker_env = dict(pair.partition("=")[::2] for pair in args.worker_env)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not set(args.backends) <= {"sqlite", "postgresql"} or not set(args.modes) <= {"api", "form"}:
        p.error("--backends parmi sqlite,postgresql ; --modes parmi api,form")
    if not (1 <= args.clients <= 512 and 1 <= args.duration <= 600 and 0 <= args.warmup <= 60):
        p.error("--clients 1–512, --duration 1–600 s, --warmup 0–60 s")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def measure(procs: Processes, tmp: Path, info: dict, when: dt.datetime) -> tuple[str, int]:
        if args.variants:
            info["variantes (bench/variants.py)"] = args.variants
        if args.worker_env or args.worker_loop != "asyncio" or args.worker_nice:
            info["worker"] = ", ".join(
                [f"{k}={v}" for k, v in args.worker_env.items()]
                + [f"boucle {args.worker_loop}", f"nice {args.worker_nice}"]
            )
        rows: list[Row] = []
        for backend in args.backends:
            rows += run_backend(backend, args, procs, tmp)
        md = render(rows, args, info, when)
        return md, 0 if all(r.lost == 0 for r in rows) else 1

    return run_measure("tickets", measure, args)


if __name__ == "__main__":
    sys.exit(main())
