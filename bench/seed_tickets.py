#!/usr/bin/env python3
"""Fills a database with N realistic tickets of one académie, for the queue's load test.

    HELPDESK_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/helpdesk_bench_x \\
        .venv/bin/python bench/seed_tickets.py [--count 100000] [--academie orleans-tours]

Creates the tables if needed (`migrate`), the bench agent's account (and a few colleagues to
assign tickets to), then inserts the tickets in batches of 1 000 rows (raw: COPY on PostgreSQL, executemany on
SQLite, one transaction per batch; the columns and their defaults come from Piccolo's Ticket):
- French-looking names from small lists (bench/fakedata.py, no Faker), categories weighted;
- created_at spread over the last year (more at the start of the school year, less in summer),
  ids in creation order; references OT-<year>-<n>, unique, numbered per year after what the
  base already holds, and `ticket_sequence` set to the last number given;
- statuses: mostly `clos` (and a few `spam`), --open open ones (default 3 000), most of them
  recent; assignees, first response, resolution and closing times consistent with the status;
- sla times from helpdesk.tickets.sla.initial_due, search_text from
  helpdesk.tickets.service.search_text, as the app computes them.
On PostgreSQL it ends with ANALYZE (what autovacuum would do after such an insert).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import datetime as dt
import json
import random
import sys
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakedata import People, fold_ascii  # noqa: E402

from helpdesk.auth.service import create_user  # noqa: E402
from helpdesk.auth.tables import User  # noqa: E402
from helpdesk.contacts.academies import load_academies  # noqa: E402
from helpdesk.core.db import bind, is_postgres, make_engine, migrate, postgres_config, sqlite_path  # noqa: E402
from helpdesk.core.settings import load_settings  # noqa: E402
from helpdesk.tickets.records import search_text  # noqa: E402
from helpdesk.tickets.sla import initial_due  # noqa: E402
from helpdesk.tickets.tables import Ticket, TicketSequence  # noqa: E402
from helpdesk.tickets.validation import CleanRequest  # noqa: E402

BENCH_AGENT_EMAIL = "agent.bench@ac-orleans-tours.fr"
BENCH_AGENT_PASSWORD = "Mesure-Agent-2026"
COLLEAGUES = 5
# Tickets per month of the school year (September: the accounts of the new pupils).
MONTH_WEIGHTS = {
    9: 3.0,
    10: 2.0,
    11: 1.3,
    12: 0.8,
    1: 1.2,
    2: 1.0,
    3: 1.0,
    4: 0.9,
    5: 1.1,
    6: 1.2,
    7: 0.5,
    8: 0.4,
}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=100_000, help="demandes à créer (100 000)")
    p.add_argument("--academie", default="orleans-tours")
    p.add_argument("--open", type=int, default=3_000, help="demandes ouvertes parmi elles (3 000)")
    p.add_argument("--days", type=int, default=365, help="étalées sur ces derniers jours (365)")
    p.add_argument(
        "--batch", type=int, default=1000, help="lignes par lot, une transaction chacun (1 000)"
    )
    p.add_argument(
        "--events", action="store_true", help="ajoute le message de chaque demande à ticket_event"
    )
    p.add_argument("--agent-email", default=BENCH_AGENT_EMAIL)
    p.add_argument("--agent-password", default=BENCH_AGENT_PASSWORD)
    p.add_argument("--seed", type=int, default=2026)
    args = p.parse_args(argv)
    if not 1 <= args.count <= 5_000_000 or not 0 <= args.open <= args.count:
        p.error("--count entre 1 et 5 000 000, --open entre 0 et --count")
    return args


def creation_times(
    rng: random.Random, count: int, days: int, now: dt.datetime
) -> list[dt.datetime]:
    """count instants over the last `days`, weighted by month, weekday and hour; sorted."""
    start = now - dt.timedelta(days=days)
    day_list = [start.date() + dt.timedelta(days=i) for i in range(days + 1)]
    weights = []
    for day in day_list:
        w = MONTH_WEIGHTS[day.month] * (0.45 if day.weekday() >= 5 else 1.0)
        weights.append(w)
    cumulative = []
    total = 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    hours = list(range(24))
    hour_weights = [0.2] * 7 + [1, 2, 3, 3, 2.5, 2, 2.5, 3, 3, 2.5, 2, 2, 2.5, 2.5, 2, 1.2, 0.6]
    times = []
    while len(times) < count:
        day = day_list[bisect.bisect_left(cumulative, rng.random() * total)]
        hour = rng.choices(hours, hour_weights)[0]
        moment = dt.datetime.combine(day, dt.time(hour), dt.UTC) + dt.timedelta(
            seconds=rng.randrange(3600)
        )
        if start <= moment <= now:
            times.append(moment)
    times.sort()
    return times


def plan_statuses(
    rng: random.Random, times: list[dt.datetime], open_count: int, now: dt.datetime
) -> list[str]:
    """Mostly closed; the open ones mostly among the last 30 days, a few forgotten older ones."""
    statuses = ["clos"] * len(times)
    recent = [i for i, t in enumerate(times) if now - t <= dt.timedelta(days=30)]
    older = [i for i, t in enumerate(times) if now - t > dt.timedelta(days=30)]
    n_old = min(len(older), open_count // 10)
    n_recent = min(len(recent), open_count - n_old)
    n_old = min(len(older), open_count - n_recent)
    # The newest tickets are open (nobody has handled them yet), the rest spread over the month.
    newest = recent[::-1][: int(n_recent * 0.4)]
    others = recent[: len(recent) - len(newest)]
    for i in newest + rng.sample(others, min(len(others), n_recent - len(newest))):
        age = now - times[i]
        if age <= dt.timedelta(days=3):
            statuses[i] = rng.choices(("nouveau", "en_cours", "en_attente"), (60, 30, 10))[0]
        elif age <= dt.timedelta(days=7):
            statuses[i] = rng.choices(
                ("nouveau", "en_cours", "en_attente", "resolu"), (30, 35, 25, 10)
            )[0]
        else:
            statuses[i] = rng.choices(("nouveau", "en_cours", "en_attente"), (20, 40, 40))[0]
    for i in rng.sample(older, n_old):
        statuses[i] = rng.choice(("en_cours", "en_attente"))
    for i, status in enumerate(statuses):
        if status == "clos" and rng.random() < 0.005:
            statuses[i] = "spam"
    return statuses


def build_ticket(
    people: People,
    n: int,
    reference: str,
    academie: str,
    created: dt.datetime,
    status: str,
    agents: list[int],
    now: dt.datetime,
) -> dict:
    rng = people.rng
    category = people.category()
    who = people.person(n, today=created.date())
    wants_child = category != "compte_compromis" or rng.random() < 0.5
    wants_birth = category in ("date_naissance", "rattachement", "auto_inscription", "autre")
    identifier = ""
    if rng.random() < 0.2:
        identifier = f"{fold_ascii(who['first_name'])[:1]}.{fold_ascii(who['last_name'])}{rng.randrange(1, 99)}"
    request = CleanRequest(
        academie=academie,
        category=category,
        degre=who["degre"],
        message=people.message(category, who),
        requester_kind="parent" if rng.random() < 0.93 else "eleve",
        requester_first_name=who["first_name"],
        requester_last_name=who["last_name"],
        requester_email=who["email"],
        requester_phone=" ".join(who["phone"][i : i + 2] for i in range(0, 10, 2))
        if rng.random() < 0.6 or category == "auto_inscription"
        else "",
        uai=who["uai"] if rng.random() < 0.7 else "",
        etablissement=who["school"] if rng.random() < 0.3 else "",
        identifier=identifier,
        child_first_name=who["child_first_name"] if wants_child else "",
        child_last_name=who["child_last_name"] if wants_child else "",
        child_birth_date_typed=who["birth"].strftime("%d/%m/%Y") if wants_birth else "",
        child_birth_date=who["birth"] if wants_birth else None,
        refused_birth_date_typed=who["refused"].strftime("%d/%m/%Y")
        if category == "date_naissance"
        else "",
        refused_birth_date=who["refused"] if category == "date_naissance" else None,
        child_classe=who["classe"] if rng.random() < 0.5 else "",
        activation_email=f"{fold_ascii(who['last_name'])}{rng.randrange(100)}@example.fr"
        if category == "mail_confirmation"
        else "",
    )
    first_due, resolution_due = initial_due(created, category)

    def later(low_hours: float, high_hours: float, after: dt.datetime) -> dt.datetime:
        return min(now, after + dt.timedelta(hours=rng.uniform(low_hours, high_hours)))

    first_response = resolved = closed = paused = None
    assignee = None
    version = 1
    sla_due = first_due
    if status != "nouveau":
        first_response = later(0.5, 30, created)
        assignee = rng.choice(agents)
        sla_due = resolution_due
        version = rng.randrange(2, 7)
    elif rng.random() < 0.1:
        assignee = rng.choice(agents)
        version = 2
    if status == "en_attente":
        paused = later(0.1, 24, first_response)
    if status == "resolu":
        resolved = later(1, 72, first_response)
    if status in ("clos", "spam"):
        resolved = later(2, 200, first_response) if status == "clos" else None
        closed = later(0, 170, resolved or first_response)
        if rng.random() < 0.05:
            assignee = None
    updated = max(t for t in (created, first_response, resolved, closed, paused) if t)
    suggested = category if rng.random() < 0.8 else people.category()
    return dict(
        reference=reference,
        channel="web" if rng.random() < 0.82 else "api",
        created_at=created,
        updated_at=updated,
        **{k: v for k, v in asdict(request).items() if k != "details"},
        details=json.dumps(request.details),
        status=status,
        priority="haute" if rng.random() < 0.05 else "normale",
        assignee_id=assignee,
        version=version,
        first_response_due_at=first_due,
        resolution_due_at=resolution_due,
        sla_due_at=sla_due,
        sla_paused_at=paused,
        first_response_at=first_response,
        resolved_at=resolved,
        closed_at=closed,
        search_text=search_text(reference, request),
        suggested_category=suggested,
        suggested_confidence=round(rng.uniform(0.35, 0.99), 3),
    )


def default_of(column):
    value = column.get_default_value()
    return value.python() if hasattr(value, "python") else value


class Writer:
    """Raw batched inserts: COPY on PostgreSQL (asyncpg), executemany on SQLite (sqlite3 with
    Piccolo's adapters, so dates and times are stored exactly as the app stores them)."""

    def __init__(self, url: str, names: list[str]) -> None:
        self.url = url
        self.names = names
        self.pg = None
        self.lite = None

    @classmethod
    async def open(cls, url: str, names: list[str]) -> Writer:
        writer = cls(url, names)
        if url.startswith("sqlite:"):
            import sqlite3

            import piccolo.engine.sqlite  # noqa: F401 - registers the adapters

            writer.lite = sqlite3.connect(sqlite_path(url), timeout=60)
        else:
            import asyncpg

            writer.pg = await asyncpg.connect(**postgres_config(url))
        return writer

    async def max_id(self) -> int:
        sql = "SELECT COALESCE(MAX(id), 0) FROM ticket"
        if self.pg is not None:
            return await self.pg.fetchval(sql)
        return self.lite.execute(sql).fetchone()[0]

    async def write(self, rows: list[tuple]) -> None:
        if self.pg is not None:
            await self.pg.copy_records_to_table("ticket", records=rows, columns=self.names)
            return
        marks = ", ".join("?" for _ in self.names)
        with self.lite:  # one transaction per batch
            self.lite.executemany(
                f"INSERT INTO ticket ({', '.join(self.names)}) VALUES ({marks})", rows
            )

    async def events_after(self, first_id: int) -> None:
        """The requester's message of each new ticket, as its first event."""
        true = "true" if self.pg is not None else "1"
        sql = (
            "INSERT INTO ticket_event (ticket, kind, public, author, body, data, created_at) "
            f"SELECT id, 'message', {true}, 'demandeur', message, '{{}}', created_at FROM ticket "
            "WHERE id > $1 ORDER BY id"
        )
        if self.pg is not None:
            await self.pg.execute(sql, first_id)
        else:
            with self.lite:
                self.lite.execute(sql.replace("$1", "?"), (first_id,))

    async def close(self) -> None:
        if self.pg is not None:
            await self.pg.close()
        if self.lite is not None:
            self.lite.close()


async def ensure_agents(args, academie: str) -> tuple[int, list[int]]:
    """The bench agent (created if missing) and the académie's agents to assign tickets to."""
    row = await User.select(User.id).where(User.email == args.agent_email.lower()).first()
    if row is None:
        bench_id = await create_user(
            args.agent_email,
            args.agent_password,
            "agent",
            academie=academie,
            name="Agent de mesure",
        )
        print(f"· compte créé : {args.agent_email} (agent, {academie})")
    else:
        bench_id = row["id"]
        print(f"· compte existant : {args.agent_email}")
    rng = random.Random(args.seed)
    for i in range(1, COLLEAGUES + 1):
        email = f"collegue{i}.bench@ac-{academie}.fr"
        if not await User.exists().where(User.email == email):
            password = f"Collegue-{rng.randrange(10**8):08d}-Bench"
            await create_user(email, password, "agent", academie=academie, name=f"Collègue {i}")
    agents = await User.select(User.id).where(
        (User.academie == academie) & User.role.is_in(["agent", "supervisor"])
    )
    return bench_id, [a["id"] for a in agents]


async def seed(args: argparse.Namespace) -> None:
    settings = load_settings()
    engine = make_engine(settings.database_url)
    await migrate(engine)
    bind(engine)
    if is_postgres(engine):
        await engine.start_connection_pool(min_size=1, max_size=2)
    try:
        academie = load_academies().get(args.academie)
        if academie is None:
            raise SystemExit(f"Académie inconnue : {args.academie}")
        _, agents = await ensure_agents(args, academie.slug)

        now = dt.datetime.now(dt.UTC)
        rng = random.Random(args.seed)
        people = People(args.seed)
        times = creation_times(rng, args.count, args.days, now)
        statuses = plan_statuses(rng, times, args.open, now)
        sequences = {
            row["year"]: row["last_number"]
            for row in await TicketSequence.select().where(TicketSequence.academie == academie.slug)
        }
        columns = [c for c in Ticket._meta.columns if not c._meta.primary_key]
        names = [c._meta.db_column_name for c in columns]
        defaults = {c._meta.name: default_of(c) for c in columns}
        batch = max(1, args.batch)
        writer = await Writer.open(settings.database_url, names)
        first_id = await writer.max_id()
        started = time.perf_counter()
        done = 0
        print(
            f"· {args.count} demandes pour {academie.slug} dans {settings.database_url} "
            f"(lots de {batch})",
            flush=True,
        )
        try:
            for offset in range(0, args.count, batch):
                rows = []
                for i in range(offset, min(offset + batch, args.count)):
                    year = times[i].year
                    sequences[year] = sequences.get(year, 0) + 1
                    reference = f"{academie.prefix}-{year}-{sequences[year]:06d}"
                    values = defaults | build_ticket(
                        people, i, reference, academie.slug, times[i], statuses[i], agents, now
                    )
                    rows.append(tuple(values[c._meta.name] for c in columns))
                await writer.write(rows)
                done += len(rows)
                if done % 10_000 < batch or done == args.count:
                    rate = done / (time.perf_counter() - started)
                    print(f"  {done:>8} ({rate:,.0f}/s)", flush=True)
            if args.events:
                await writer.events_after(first_id)
        finally:
            await writer.close()
        for year, last in sorted(sequences.items()):
            await TicketSequence.raw(
                "INSERT INTO ticket_sequence (academie, year, last_number) VALUES ({}, {}, {}) "
                "ON CONFLICT (academie, year) DO UPDATE SET last_number = excluded.last_number",
                academie.slug,
                year,
                last,
            )
        if is_postgres(engine):
            await engine.run_ddl("ANALYZE")
        counts = await Ticket.raw(
            "SELECT status, COUNT(*) AS n FROM ticket WHERE academie = {} GROUP BY status ORDER BY status",
            academie.slug,
        )
        print(
            f"· {done} demandes en {time.perf_counter() - started:.1f} s ; "
            + ", ".join(f"{c['status']} {c['n']}" for c in counts)
            + " ; séquences "
            + ", ".join(f"{y}: {n}" for y, n in sorted(sequences.items()))
        )
    finally:
        if is_postgres(engine):
            await engine.close_connection_pool()


def main(argv=None) -> int:
    asyncio.run(seed(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
