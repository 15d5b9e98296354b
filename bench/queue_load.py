#!/usr/bin/env python3
"""The agents' queue under load, with 100 000 tickets: `.venv/bin/python bench/queue_load.py`.

(Not bench/queue.py: a file named queue.py in bench/ would stand, for every script run from
bench/, where the standard library's `queue` module is looked for.)

For each database (a fresh PostgreSQL base `helpdesk_bench_<random>`, then SQLite in a
temporary folder): `helpdesk migrate`, bench/seed_tickets.py (100 000 tickets in
orleans-tours and the bench agent), `helpdesk serve --workers 2` on 127.0.0.1. The bench agent
logs in twice: POST /api/v1/auth/login for a bearer token, and through the form
(GET /connexion for the CSRF token, POST /connexion) for a session cookie. Each target is
checked once (status 200, 25 rows, the filter respected), then loaded with wrk (32
connections, 2 threads, a warm-up then a measured run, each bounded in time) with the
`Authorization: Bearer …` or `Cookie: …` header, and a Lua script that counts the responses
by status and reads p50/p95/p99 from wrk's histogram.

On PostgreSQL, the SQL of each API target (built with the app's own helpdesk.desk.queue) is
run under EXPLAIN (ANALYZE, BUFFERS); on SQLite under EXPLAIN QUERY PLAN, timed. Everything
goes to bench/results/queue-<date>.md. Stops everything it started, drops the base it created.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

sys.path.append(str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
from benchlib import (  # noqa: E402
    BENCH_DIR,
    PYTHON,
    BenchError,
    CpuWatch,
    Processes,
    create_pg_database,
    drop_pg_database,
    fr,
    helpdesk_env,
    md_table,
    new_pg_name,
    pg_url,
    run_measure,
    run_migrate,
    start_helpdesk,
    tail,
    wait_for_other_benches,
    wait_quiet,
)
from seed_tickets import BENCH_AGENT_EMAIL, BENCH_AGENT_PASSWORD  # noqa: E402

ACADEMIE = "orleans-tours"
LUA = r"""
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  statuses = {}
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local merged = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do merged[k] = (merged[k] or 0) + v end
  end
  io.write("BENCH statuses")
  for k, v in pairs(merged) do io.write(string.format(" %d=%d", k, v)) end
  io.write("\n")
  io.write(string.format("BENCH latency p50=%d p95=%d p99=%d max=%d\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
  local e = summary.errors
  io.write(string.format("BENCH summary requests=%d duration=%d bytes=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.timeout))
end
"""


@dataclass
class Target:
    key: str
    label: str
    path: str
    kind: str  # api | page
    check: str = ""  # what the one-off check verifies
    extra: bool = False  # not in the brief's list: shown apart


TARGETS = [
    Target("a", "API sans filtre (ouvertes)", "/api/v1/tickets", "api"),
    Target("b", "API ?status=nouveau", "/api/v1/tickets?status=nouveau", "api", "nouveau"),
    Target(
        "c",
        "API ?category=mot_de_passe&assignee=non_assigne",
        "/api/v1/tickets?category=mot_de_passe&assignee=non_assigne",
        "api",
        "category",
    ),
    Target("d", "API ?q=martin", "/api/v1/tickets?q=martin", "api", "martin"),
    Target("e", "page /agent", "/agent", "page"),
    Target("f", "page /agent?q=martin", "/agent?q=martin", "page"),
    Target(
        "g",
        "API ?status=clos&q=martin (archives)",
        "/api/v1/tickets?status=clos&q=martin",
        "api",
        "martin",
        extra=True,
    ),
    Target(
        "h",
        "API ?status=clos&q=<référence> (archives)",
        "/api/v1/tickets?status=clos&q={reference}",
        "api",
        "reference",
        extra=True,
    ),
]


@dataclass
class Result:
    backend: str
    target: Target
    path: str
    size: int
    rows: int
    rps: float
    p50: float  # ms
    p95: float
    p99: float
    max: float
    requests: int
    statuses: dict[int, int]
    socket_errors: str
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def non_200(self) -> int:
        return sum(n for s, n in self.statuses.items() if s != 200)


# --------------------------------------------------------------------------- logins


def api_token(base: str) -> str:
    response = httpx.post(
        f"{base}/api/v1/auth/login",
        json={"email": BENCH_AGENT_EMAIL, "password": BENCH_AGENT_PASSWORD},
        timeout=30,
    )
    if response.status_code != 200:
        raise BenchError(f"POST /api/v1/auth/login : {response.status_code} {response.text[:300]}")
    return response.json()["token"]


def session_cookie(base: str) -> str:
    """Logs in through the form; the Cookie header a browser would then send."""
    with httpx.Client(base_url=base, timeout=30) as client:
        page = client.get("/connexion")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        if page.status_code != 200 or not token:
            raise BenchError(f"GET /connexion : {page.status_code}, pas de jeton CSRF")
        response = client.post(
            "/connexion",
            data={
                "_csrf_token": token.group(1),
                "email": BENCH_AGENT_EMAIL,
                "password": BENCH_AGENT_PASSWORD,
            },
            follow_redirects=False,
        )
        if response.status_code != 303 or "helpdesk_session" not in client.cookies:
            raise BenchError(f"POST /connexion : {response.status_code} {response.text[:300]}")
        return "; ".join(f"{c.name}={c.value}" for c in client.cookies.jar)


# --------------------------------------------------------------------------- checks


def check_target(base: str, target: Target, path: str, headers: dict) -> tuple[int, int]:
    """One request: 200 and the filter respected. (size in bytes, rows)."""
    response = httpx.get(f"{base}{path}", headers=headers, timeout=60, follow_redirects=False)
    if response.status_code != 200:
        raise BenchError(f"{path} : {response.status_code} (attendu 200) {response.text[:300]}")
    if target.kind == "page":
        rows = len(re.findall(r'name="ref" value="', response.text))
        if "compteur-nouveau" not in response.text:
            raise BenchError(f"{path} : ce n'est pas la file des agents")
        return len(response.content), rows
    items = response.json()["items"]
    if target.key in "abc" and len(items) != 25:
        raise BenchError(f"{path} : {len(items)} lignes (25 attendues)")
    for item in items:
        if target.check == "nouveau" and item["status"] != "nouveau":
            raise BenchError(f"{path} : une demande {item['status']}")
        if target.check == "category" and (
            item["category"] != "mot_de_passe" or item["assignee_id"] is not None
        ):
            raise BenchError(f"{path} : {item['category']} / {item['assignee_id']}")
    created = [item["created_at"] for item in items]
    if created != sorted(created, reverse=True):
        raise BenchError(f"{path} : pas de la plus récente à la plus ancienne")
    return len(response.content), len(items)


# --------------------------------------------------------------------------- wrk


def run_wrk(url: str, header: str, seconds: int, args, script: Path) -> str:
    cmd = [
        args.wrk,
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        f"--timeout={args.wrk_timeout}s",
        "-s",
        str(script),
        "-H",
        header,
        url,
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    if result.returncode != 0:
        raise BenchError(f"wrk a échoué sur {url} :\n{result.stdout}{result.stderr}")
    return result.stdout


def parse_wrk(text: str) -> tuple[dict[int, int], list[float], dict[str, int]]:
    statuses = {
        int(k): int(v)
        for k, v in re.findall(
            r"(\d+)=(\d+)", re.search(r"^BENCH statuses(.*)$", text, re.M).group(1)
        )
    }
    latency = re.search(r"^BENCH latency (.*)$", text, re.M).group(1)
    lat = dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", latency))
    summary = re.search(r"^BENCH summary (.*)$", text, re.M).group(1)
    numbers = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", summary)}
    return statuses, [lat[k] / 1000 for k in ("p50", "p95", "p99", "max")], numbers


def measure(backend, base, target, path, header, args, groups, script) -> Result:
    size, rows = args.checked[target.key]
    wait_for_other_benches(args.other_wait)  # another load test may have started meanwhile
    others = wait_quiet(groups, args.quiet_wait)
    if others > 0.10:
        print(f"  ! machine occupée par d'autres processus ({others:.0%})", flush=True)
    print(f"· {backend:<10} {target.label:<46} ", end="", flush=True)
    url = f"{base}{path}"
    if args.warmup:
        run_wrk(url, header, args.warmup, args, script)
    watch = CpuWatch(groups)
    out = run_wrk(url, header, args.duration, args, script)
    cpu = watch.stop()
    statuses, (p50, p95, p99, worst), n = parse_wrk(out)
    rps = n["requests"] / (n["duration"] / 1e6)
    errors = ", ".join(f"{k} {n[k]}" for k in ("connect", "read", "write", "timeout") if n[k])
    print(
        f"{rps:>7.0f} req/s  p50 {p50:6.1f}  p95 {p95:6.1f}  p99 {p99:6.1f} ms  "
        f"statuts {statuses}{'  erreurs ' + errors if errors else ''}",
        flush=True,
    )
    return Result(
        backend,
        target,
        path,
        size,
        rows,
        rps,
        p50,
        p95,
        p99,
        worst,
        n["requests"],
        statuses,
        errors,
        cpu,
    )


# --------------------------------------------------------------------------- plans


def queue_sql(url: str, path: str, staff_id: int) -> str:
    """The SQL the app runs for this API path (helpdesk.desk.queue.list_query), values inlined."""
    from litestar.datastructures import MultiDict

    from helpdesk.auth.service import Staff
    from helpdesk.core.db import bind, make_engine
    from helpdesk.desk.queue import QueueFilter, list_query

    bind(make_engine(url))
    params = MultiDict(parse_qsl(urlsplit(path).query))
    staff = Staff(staff_id, BENCH_AGENT_EMAIL, "", "agent", ACADEMIE)
    return str(list_query(staff, QueueFilter.from_params(params)))


def counts_sql(statuses: tuple[str, ...]) -> str:
    """helpdesk.desk.queue.count_by_status, values inlined."""
    marks = ", ".join(f"'{s}'" for s in statuses)
    return (
        f"SELECT status, COUNT(*) AS n FROM ticket WHERE academie = '{ACADEMIE}' "
        f"AND status IN ({marks}) GROUP BY status"
    )


async def pg_explain(url: str, statements: dict[str, str]) -> dict[str, str]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        plans = {}
        for name, sql in statements.items():
            await conn.fetch(sql)  # warm the cache, as under load
            rows = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plans[name] = "\n".join(r[0] for r in rows)
        return plans
    finally:
        await conn.close()


def sqlite_explain(path: str, statements: dict[str, str]) -> dict[str, str]:
    conn = sqlite3.connect(path)
    try:
        plans = {}
        for name, sql in statements.items():
            plan = "\n".join(f"{r[3]}" for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
            times = []
            for _ in range(7):
                start = time.perf_counter()
                conn.execute(sql).fetchall()
                times.append((time.perf_counter() - start) * 1000)
            times.sort()
            plans[name] = f"{plan}\nmédiane de 7 exécutions : {times[3]:.2f} ms"
        return plans
    finally:
        conn.close()


def explain(url: str, paths: dict[str, str], staff_id: int) -> dict[str, str]:
    statements = {label: queue_sql(url, path, staff_id) for label, path in paths.items()}
    from helpdesk.desk.queue import CLOSED_STATUSES, OPEN_STATUSES

    statements["compteurs des statuts ouverts (page /agent, toutes les 10 s)"] = counts_sql(
        OPEN_STATUSES
    )
    statements["compteurs des closes (page /agent, toutes les 60 s)"] = counts_sql(CLOSED_STATUSES)
    if url.startswith("postgresql"):
        return asyncio.run(pg_explain(url, statements))
    return sqlite_explain(url.removeprefix("sqlite:///"), statements)


def execution_ms(plan: str) -> str:
    found = re.search(r"Execution Time: ([\d.]+) ms", plan) or re.search(
        r"médiane de 7 exécutions : ([\d.]+) ms", plan
    )
    return found.group(1) if found else "?"


# --------------------------------------------------------------------------- one backend


def seed(env: dict, args, log: Path) -> float:
    start = time.monotonic()
    with log.open("ab") as out:
        result = subprocess.run(
            [PYTHON, str(BENCH_DIR / "seed_tickets.py"), "--count", str(args.count)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=1800,
        )
    if result.returncode != 0:
        raise BenchError(f"seed_tickets.py a échoué :\n{tail(log)}")
    print("  " + tail(log, 1), flush=True)
    return time.monotonic() - start


def db_facts(url: str) -> dict[str, object]:
    """Counts straight from the base: what the queries have to look through."""
    queries = {
        "demandes": f"SELECT COUNT(*) FROM ticket WHERE academie = '{ACADEMIE}'",
        "ouvertes": f"SELECT COUNT(*) FROM ticket WHERE academie = '{ACADEMIE}' AND status NOT IN ('clos', 'spam')",
        "nouveau": f"SELECT COUNT(*) FROM ticket WHERE academie = '{ACADEMIE}' AND status = 'nouveau'",
        "« martin » (toutes)": "SELECT COUNT(*) FROM ticket WHERE search_text LIKE '%martin%'",
        "« martin » (ouvertes)": "SELECT COUNT(*) FROM ticket WHERE search_text LIKE '%martin%' AND status NOT IN ('clos', 'spam')",
        "agent": f"SELECT id FROM staff_user WHERE email = '{BENCH_AGENT_EMAIL}'",
        "référence close": "SELECT reference FROM ticket WHERE status = 'clos' ORDER BY id LIMIT 1 OFFSET 1234",
    }
    if url.startswith("postgresql"):
        import asyncpg

        async def run():
            conn = await asyncpg.connect(url)
            try:
                return {k: await conn.fetchval(q) for k, q in queries.items()}
            finally:
                await conn.close()

        return asyncio.run(run())
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        return {k: conn.execute(q).fetchone()[0] for k, q in queries.items()}
    finally:
        conn.close()


def run_backend(backend: str, args, procs: Processes, tmp: Path, script: Path) -> dict:
    folder = tmp / backend
    data = folder / "data"
    data.mkdir(parents=True)
    pg_name = ""
    reused = bool(args.database_url)
    if reused:
        url = args.database_url
    elif backend == "postgresql":
        pg_name = new_pg_name()
        create_pg_database(pg_name)
        url = pg_url(pg_name)
    else:
        url = f"sqlite:///{data / 'helpdesk.sqlite3'}"
    try:
        env = helpdesk_env(data, url)
        run_migrate(env)
        seconds = None
        if not reused:
            print(f"· {backend} : {args.count} demandes (bench/seed_tickets.py)…", flush=True)
            seconds = seed(env, args, folder / "seed.log")
        facts = db_facts(url)
        app, base = start_helpdesk(procs, env, folder / "helpdesk.log", variants=args.variants)
        groups = {"app": app.proc.pid}
        bearer = f"Authorization: Bearer {api_token(base)}"
        cookie = f"Cookie: {session_cookie(base)}"
        paths = {t.key: t.path.format(reference=facts["référence close"].lower()) for t in TARGETS}
        args.checked = {}
        for t in TARGETS:
            headers = dict([(bearer if t.kind == "api" else cookie).split(": ", 1)])
            args.checked[t.key] = check_target(base, t, paths[t.key], headers)
        results = []
        for t in TARGETS:
            if t.extra and not args.extras:
                continue
            header = bearer if t.kind == "api" else cookie
            results.append(measure(backend, base, t, paths[t.key], header, args, groups, script))
            procs.check_alive()
        for t in TARGETS:  # still logged in, still the same pages
            headers = dict([(bearer if t.kind == "api" else cookie).split(": ", 1)])
            check_target(base, t, paths[t.key], headers)
        plans = {}
        if args.explain:
            api_paths = {
                f"({t.key}) {t.label}": paths[t.key]
                for t in TARGETS
                if t.kind == "api" and (args.extras or not t.extra)
            }
            plans = explain(url, api_paths, int(facts["agent"]))
        return {
            "backend": backend,
            "results": results,
            "facts": facts,
            "seed_seconds": seconds,
            "plans": plans,
            "url": url,
        }
    finally:
        procs.stop_all()
        if pg_name and not args.keep_database:
            drop_pg_database(pg_name)
        elif pg_name:
            print(f"· base conservée : {url}")


# --------------------------------------------------------------------------- report


def render(runs: list[dict], args, info: dict, when: dt.datetime) -> str:
    name = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
    header = [
        "base",
        "cible",
        "lignes",
        "octets",
        "req/s",
        "p50 (ms)",
        "p95 (ms)",
        "p99 (ms)",
        "max (ms)",
        "réponses ≠ 200",
        "CPU app / PostgreSQL / wrk",
        "autres processus",
    ]
    rows = []
    for run in runs:
        for r in run["results"]:
            d = r.cpu.get("durée") or 1
            cpu = (
                f"{100 * r.cpu.get('app', 0) / d:.0f} % / "
                + (
                    f"{100 * r.cpu.get('postgres', 0) / d:.0f} %"
                    if run["backend"] == "postgresql"
                    else "—"
                )
                + f" / {100 * r.cpu.get('client', 0) / d:.0f} %"
            )
            rows.append(
                [
                    name[run["backend"]],
                    f"({r.target.key}) `{r.path}`" + (" *(en plus)*" if r.target.extra else ""),
                    str(r.rows),
                    fr(r.size),
                    fr(r.rps),
                    fr(r.p50, 1),
                    fr(r.p95, 1),
                    fr(r.p99, 1),
                    fr(r.max, 0),
                    str(r.non_200) + (f" ({r.socket_errors})" if r.socket_errors else ""),
                    cpu,
                    f"{100 * r.cpu.get('autres (part)', 0):.0f} %",
                ]
            )
    goals = []
    for run in runs:
        if run["backend"] != "postgresql":
            continue
        by = {r.target.key: r for r in run["results"]}

        def verdict(ok: bool) -> str:
            return "atteint" if ok else "**NON ATTEINT**"

        if "b" in by:
            b = by["b"]
            goals.append(
                f"PostgreSQL, `GET /api/v1/tickets?status=nouveau` ≥ 2 000 req/s et p95 ≤ 30 ms : "
                f"{fr(b.rps)} req/s, p95 {fr(b.p95, 1)} ms : {verdict(b.rps >= 2000 and b.p95 <= 30)}"
            )
        if "e" in by:
            e = by["e"]
            goals.append(
                f"PostgreSQL, page `/agent` ≥ 1 000 req/s : {fr(e.rps)} req/s : {verdict(e.rps >= 1000)}"
            )
        for key in ("d", "f"):
            if key in by:
                s = by[key]
                goals.append(
                    f"PostgreSQL, recherche `{s.path}` p95 ≤ 100 ms : p95 {fr(s.p95, 1)} ms : {verdict(s.p95 <= 100)}"
                )
    facts_rows = []
    for run in runs:
        f = run["facts"]
        facts_rows.append(
            [
                name[run["backend"]],
                fr(f["demandes"]),
                fr(f["ouvertes"]),
                fr(f["nouveau"]),
                f"{fr(f['« martin » (toutes)'])} / {fr(f['« martin » (ouvertes)'])}",
                "—" if run["seed_seconds"] is None else f"{fr(run['seed_seconds'], 0)} s",
            ]
        )
    md = [
        f"# File des agents (100 000 demandes) : mesure du {when:%Y-%m-%d %H:%M}",
        "",
        *(
            [
                f"**Expérience : correctifs candidats appliqués par bench/variants.py : `{args.variants}`.**",
                "",
            ]
            if args.variants
            else []
        ),
        f"wrk {args.threads} threads, {args.connections} connexions, {args.duration} s mesurées après "
        f"{args.warmup} s de chauffe, script Lua (statuts, p50/p95/p99) ; en-tête "
        "`Authorization: Bearer …` (jeton de `POST /api/v1/auth/login`) pour l'API, `Cookie: …` "
        "(session ouverte par le formulaire `/connexion`) pour les pages. 2 processus uvicorn, "
        "wrk et base sur la même machine, 127.0.0.1 uniquement. « CPU » : temps processeur pendant "
        "la mesure, 100 % = un cœur ; « autres processus » : part de la machine prise par des "
        "processus étrangers à la mesure (au-delà de 10 %, la mesure est perturbée).",
        "",
        md_table(
            [
                "base",
                "demandes",
                "ouvertes",
                "nouveau",
                "contenant « martin » (toutes / ouvertes)",
                "remplissage",
            ],
            facts_rows,
        ),
        "",
        md_table(header, rows),
        "",
        *(f"- {g}" for g in goals),
        "",
    ]
    for run in runs:
        if not run["plans"]:
            continue
        md += [f"## Plans ({name[run['backend']]})", ""]
        for label, plan in run["plans"].items():
            md += [f"### {label} : {execution_ms(plan)} ms", "", "```", plan, "```", ""]
    md += ["## Machine", "", *(f"- {k} : {v}" for k, v in info.items()), ""]
    return "\n".join(md)


# --------------------------------------------------------------------------- main


def parse_args(argv):
    p = argparse.ArgumentParser(prog="bench/queue_load.py", description=__doc__.splitlines()[0])
    p.add_argument("--backends", default="postgresql,sqlite")
    p.add_argument("--count", type=int, default=100_000, help="demandes à créer (100 000)")
    p.add_argument(
        "--database-url", default="", help="base déjà remplie (une seule base ; pas de remplissage)"
    )
    p.add_argument("--duration", type=int, default=15, help="secondes mesurées par cible (15)")
    p.add_argument("--warmup", type=int, default=3, help="secondes de chauffe par cible (3)")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--wrk-timeout", type=int, default=10)
    p.add_argument(
        "--no-extras",
        dest="extras",
        action="store_false",
        help="sans les recherches dans les archives",
    )
    p.add_argument("--no-explain", dest="explain", action="store_false")
    p.add_argument("--keep-database", action="store_true")
    p.add_argument(
        "--quiet-wait",
        type=float,
        default=120,
        help="attente max. d'une machine calme avant chaque cible (120 s)",
    )
    p.add_argument("--other-wait", type=float, default=3600)
    p.add_argument(
        "--variants",
        default="",
        help="correctifs candidats de bench/variants.py appliqués à l'app (expérience), ex. redis",
    )
    p.add_argument("--output", type=Path, default=None)
    args = p.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if not set(args.backends) <= {"postgresql", "sqlite"}:
        p.error("--backends parmi postgresql,sqlite")
    if args.database_url and len(args.backends) != 1:
        p.error("--database-url avec une seule base dans --backends")
    if not (1 <= args.duration <= 600 and 0 <= args.warmup <= 60):
        p.error("--duration 1–600 s, --warmup 0–60 s")
    args.wrk = shutil.which("wrk")
    return args


def ensure_wrk(args) -> None:
    if args.wrk:
        return
    print("· installation de wrk (apt-get)…", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=False, stdout=subprocess.DEVNULL)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "wrk"], check=False, stdout=subprocess.DEVNULL
    )
    args.wrk = shutil.which("wrk")
    if not args.wrk:
        raise BenchError("wrk manque : apt-get install wrk")


def main(argv=None) -> int:
    args = parse_args(argv)

    def measure(procs: Processes, tmp: Path, info: dict, when: dt.datetime) -> tuple[str, int]:
        ensure_wrk(args)
        script = tmp / "statuts.lua"
        script.write_text(LUA)
        if args.variants:
            info["variantes (bench/variants.py)"] = args.variants
        info["wrk"] = (
            subprocess.run([args.wrk, "-v"], capture_output=True, text=True)
            .stdout.split(" [")[0]
            .strip()
            or "?"
        )
        runs = [run_backend(b, args, procs, tmp, script) for b in args.backends]
        return render(runs, args, info, when), 0

    return run_measure("queue", measure, args)


if __name__ == "__main__":
    sys.exit(main())
