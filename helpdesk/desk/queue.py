"""The académie's queue: filters, text search, sort, keyset paging, cheap counts."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import re
import time
from dataclasses import dataclass, field

from piccolo.engine.postgres import PostgresEngine
from piccolo.query import Select

from helpdesk.auth.service import Staff
from helpdesk.core.inputs import as_integer
from helpdesk.core.text import fold
from helpdesk.tickets.tables import OPEN_STATUSES, STATUSES, Ticket

PAGE_SIZE = 25
REFERENCE = re.compile(r"[A-Za-z]{2,3}-\d{4}-\d{6}")
SORTS = {  # name → (column, descending)
    "recent": ("created_at", True),
    "ancien": ("created_at", False),
    "echeance": ("sla_due_at", False),
}
LIST_COLUMNS = (
    Ticket.id,
    Ticket.reference,
    Ticket.academie,
    Ticket.category,
    Ticket.status,
    Ticket.priority,
    Ticket.channel,
    Ticket.degre,
    Ticket.uai,
    Ticket.etablissement,
    Ticket.requester_first_name,
    Ticket.requester_last_name,
    Ticket.requester_email,
    Ticket.child_first_name,
    Ticket.child_last_name,
    Ticket.assignee_id,
    Ticket.created_at,
    Ticket.updated_at,
    Ticket.sla_due_at,
    Ticket.version,
    Ticket.suggested_category,
    Ticket.suggested_confidence,
)


@dataclass
class QueueFilter:
    statuses: list[str] = field(default_factory=list)
    category: str = ""
    degre: str = ""
    uai: str = ""
    assignee: str = ""  # "moi" | "non_assigne" | a user id
    older_than_days: int = 0
    overdue: bool = False
    channel: str = ""
    q: str = ""
    sort: str = "recent"

    @classmethod
    def from_params(cls, params) -> QueueFilter:
        def one(name: str) -> str:
            value = params.get(name, "")
            return value.strip() if isinstance(value, str) else ""

        statuses = (
            [s for s in params.getall("status", []) if s in STATUSES]
            if hasattr(params, "getall")
            else []
        )
        age = one("age")
        return cls(
            statuses=statuses,
            category=one("category"),
            degre=one("degre") if one("degre") in ("1er", "2nd") else "",
            uai=one("uai").upper()[:8],
            assignee=one("assignee"),
            older_than_days=int(age) if age.isdigit() and int(age) < 3650 else 0,
            overdue=one("overdue") in ("1", "oui", "true"),
            channel=one("channel"),
            q=one("q")[:200],
            sort=one("sort") if one("sort") in SORTS else "recent",
        )

    def key(self) -> tuple:
        """Every field, hashable: equal keys, same query."""
        return tuple(tuple(v) if isinstance(v, list) else v for v in vars(self).values())


def encode_cursor(row: dict, sort: str) -> str:
    column, _ = SORTS[sort]
    value = row[column]
    payload = [value.isoformat() if value else None, row["id"]]
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime | None, int] | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, row_id = json.loads(base64.urlsafe_b64decode(padded))
        row_id = as_integer(row_id)  # a forged cursor may hold any number
        if row_id is None:
            return None
        return (dt.datetime.fromisoformat(value) if value else None), row_id
    except (ValueError, TypeError, RecursionError):
        return None


def where_clause(staff: Staff, f: QueueFilter, now: dt.datetime):
    """Always scoped to the staff member's académie."""
    clause = Ticket.academie == staff.academie
    if f.statuses:
        clause &= Ticket.status.is_in(f.statuses)
    else:
        clause &= Ticket.status.not_in(["clos", "spam"])
    if f.category:
        clause &= Ticket.category == f.category
    if f.degre:
        clause &= Ticket.degre == f.degre
    if f.uai:
        clause &= Ticket.uai == f.uai
    if f.channel:
        clause &= Ticket.channel == f.channel
    if f.assignee == "moi":
        clause &= Ticket.assignee_id == staff.id
    elif f.assignee == "non_assigne":
        clause &= Ticket.assignee_id.is_null()
    elif as_integer(f.assignee) is not None:
        clause &= Ticket.assignee_id == as_integer(f.assignee)
    if f.older_than_days:
        clause &= Ticket.created_at < now - dt.timedelta(days=f.older_than_days)
    if f.overdue:
        clause &= Ticket.sla_due_at < now
    if REFERENCE.fullmatch(f.q.strip()):
        # A reference is looked up by its unique index, not searched through the texts.
        return clause & (Ticket.reference == f.q.strip().upper())
    for word in fold(f.q).split()[:6]:
        clause &= Ticket.search_text.like(f"%{word.replace('%', '').replace('_', '')}%")
    return clause


def list_query(
    staff: Staff,
    f: QueueFilter,
    cursor: str = "",
    limit: int = PAGE_SIZE,
    now: dt.datetime | None = None,
) -> Select:
    """The Piccolo query of one page of the queue (one row more, to know if a next page exists)."""
    now = now or dt.datetime.now(dt.UTC)
    column_name, descending = SORTS[f.sort]
    column = getattr(Ticket, column_name)
    clause = where_clause(staff, f, now)
    position = decode_cursor(cursor) if cursor else None
    if position:
        value, row_id = position
        if value is None:  # rows without a due time come last
            clause &= column.is_null() & (Ticket.id > row_id)
        elif descending:
            clause &= (column < value) | ((column == value) & (Ticket.id < row_id))
        else:
            clause &= (
                (column > value) | ((column == value) & (Ticket.id > row_id)) | column.is_null()
            )
    return (
        Ticket.select(*LIST_COLUMNS)
        .where(clause)
        .order_by(column, Ticket.id, ascending=not descending)
        .limit(limit + 1)
    )


def compile_postgres(query: Select) -> tuple[str, tuple]:
    """The SQL and arguments Piccolo itself would send to PostgreSQL for this query."""
    sql, args = query.querystrings[0].compile_string(engine_type="postgres")
    return sql, tuple(args)


_FIRST_PAGE_SQL: dict[tuple, tuple[str, tuple]] = {}


def postgres_sql(
    staff: Staff, f: QueueFilter, cursor: str, limit: int, now: dt.datetime | None
) -> tuple[str, tuple]:
    """The page's SQL, compiled once per filter when nothing in it depends on the time.

    Piccolo rebuilds and recompiles a query on every call (≈ 15 % of the API's processor
    time, see bench/README.md). The first page of a filter is the same query for as long as
    the filter is the same, so it is compiled once per (académie, agent, filter); a cursor,
    « reçues depuis plus de » and « en retard » depend on the moment: compiled on every call.
    """
    if cursor or f.older_than_days or f.overdue:
        return compile_postgres(list_query(staff, f, cursor, limit, now))
    key = (staff.academie, staff.id, limit, f.key())
    compiled = _FIRST_PAGE_SQL.get(key)
    if compiled is None:
        if len(_FIRST_PAGE_SQL) >= 1000:  # searches are endless: start again
            _FIRST_PAGE_SQL.clear()
        compiled = _FIRST_PAGE_SQL[key] = compile_postgres(list_query(staff, f, "", limit))
    return compiled


async def fetch_postgres(engine: PostgresEngine, sql: str, args: tuple) -> list[dict]:
    if engine.pool is not None:
        records = await engine.pool.fetch(sql, *args)
    else:  # tests and one-off commands run without a pool: a connection of its own
        connection = await engine.get_new_connection()
        try:
            records = await connection.fetch(sql, *args)
        finally:
            await connection.close()
    if not records:
        return []
    names = tuple(records[0].keys())  # the same columns in every row: zip beats dict(record)
    return [dict(zip(names, record, strict=True)) for record in records]


async def list_tickets(
    staff: Staff,
    f: QueueFilter,
    cursor: str = "",
    limit: int = PAGE_SIZE,
    now: dt.datetime | None = None,
) -> tuple[list[dict], str]:
    """One page of the queue and the cursor of the next one ("" on the last page).

    On PostgreSQL, outside a transaction, the SQL Piccolo would send runs straight on asyncpg
    (same SQL, same arguments, same rows); elsewhere Piccolo runs the query.
    """
    engine = Ticket._meta.db
    if isinstance(engine, PostgresEngine) and engine.current_transaction.get() is None:
        rows = await fetch_postgres(engine, *postgres_sql(staff, f, cursor, limit, now))
    else:
        rows = await list_query(staff, f, cursor, limit, now)
    next_cursor = encode_cursor(rows[limit - 1], f.sort) if len(rows) > limit else ""
    return rows[:limit], next_cursor


# Counts by status, per académie and per process. The open statuses are a few thousand rows of
# the ticket_queue index (< 1 ms): recounted every COUNTS_TTL seconds, and after a change made
# in this process. The closed ones (clos, spam) are nearly the whole table (≈ 30 ms at 100 000
# tickets): recounted every CLOSED_COUNTS_TTL seconds only. One recount at a time per
# académie: meanwhile the other requests show the previous figures instead of all counting the
# same rows at once (that was the p99 of 350–530 ms of /agent, see bench/README.md).
COUNTS_TTL = 10.0
CLOSED_COUNTS_TTL = 60.0
CLOSED_STATUSES = tuple(s for s in STATUSES if s not in OPEN_STATUSES)


@dataclass
class _Counts:
    lock: asyncio.Lock
    loop: asyncio.AbstractEventLoop
    open: dict[str, int] | None = None
    open_at: float = -1e9  # when the count in `open` started (time.monotonic)
    closed: dict[str, int] | None = None
    closed_at: float = -1e9
    changed_at: float = -1e9  # last forget_counts(): a count started before is out of date

    def open_stale(self, now: float) -> bool:
        return now - self.open_at >= COUNTS_TTL or self.open_at <= self.changed_at

    def closed_stale(self, now: float) -> bool:
        return now - self.closed_at >= CLOSED_COUNTS_TTL

    def merged(self) -> dict[str, int]:
        return {status: 0 for status in STATUSES} | (self.open or {}) | (self.closed or {})


_COUNTS: dict[str, _Counts] = {}


def _counts_of(academie: str) -> _Counts:
    loop = asyncio.get_running_loop()
    counts = _COUNTS.get(academie)
    if counts is None or counts.loop is not loop:  # a lock belongs to one event loop
        counts = _COUNTS[academie] = _Counts(asyncio.Lock(), loop)
    return counts


async def count_by_status(academie: str, statuses: tuple[str, ...]) -> dict[str, int]:
    marks = ", ".join("{}" for _ in statuses)
    rows = await Ticket.raw(
        f"SELECT status, COUNT(*) AS n FROM ticket WHERE academie = {{}} AND status IN ({marks}) "
        "GROUP BY status",
        academie,
        *statuses,
    )
    return {row["status"]: row["n"] for row in rows}


async def status_counts(academie: str) -> dict[str, int]:
    counts = _counts_of(academie)
    now = time.monotonic()
    if not counts.open_stale(now) and not counts.closed_stale(now):
        return counts.merged()
    if counts.lock.locked() and counts.open is not None and counts.closed is not None:
        return counts.merged()  # another request is recounting: the previous figures will do
    async with counts.lock:  # re-checked inside: the recount may have been done meanwhile
        if counts.open_stale(started := time.monotonic()):
            counts.open = await count_by_status(academie, OPEN_STATUSES)
            counts.open_at = started
        if counts.closed_stale(started := time.monotonic()):
            counts.closed = await count_by_status(academie, CLOSED_STATUSES)
            counts.closed_at = started
    return counts.merged()


def forget_counts(academie: str) -> None:
    """A ticket changed in this process: its académie's open counts are recounted at once."""
    if academie in _COUNTS:
        _COUNTS[academie].changed_at = time.monotonic()
