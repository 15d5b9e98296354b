"""The académie's queue: filters, text search, sort, keyset paging, cheap counts."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import time
from dataclasses import dataclass, field

from helpdesk.auth.service import Staff
from helpdesk.text import fold
from helpdesk.tickets.tables import STATUSES, Ticket

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


def encode_cursor(row: dict, sort: str) -> str:
    column, _ = SORTS[sort]
    value = row[column]
    payload = [value.isoformat() if value else None, row["id"]]
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime | None, int] | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, row_id = json.loads(base64.urlsafe_b64decode(padded))
        return (dt.datetime.fromisoformat(value) if value else None), int(row_id)
    except (ValueError, TypeError):
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
    elif f.assignee.isdigit():
        clause &= Ticket.assignee_id == int(f.assignee)
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


async def list_tickets(
    staff: Staff,
    f: QueueFilter,
    cursor: str = "",
    limit: int = PAGE_SIZE,
    now: dt.datetime | None = None,
) -> tuple[list[dict], str]:
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
    rows = await (
        Ticket.select(*LIST_COLUMNS)
        .where(clause)
        .order_by(column, Ticket.id, ascending=not descending)
        .limit(limit + 1)
    )
    next_cursor = encode_cursor(rows[limit - 1], f.sort) if len(rows) > limit else ""
    return rows[:limit], next_cursor


_COUNTS_CACHE: dict[str, tuple[float, dict[str, int]]] = {}
COUNTS_TTL = 10.0  # seconds: counts by status need not be exact to the second


async def status_counts(academie: str) -> dict[str, int]:
    cached = _COUNTS_CACHE.get(academie)
    if cached and time.monotonic() - cached[0] < COUNTS_TTL:
        return cached[1]
    rows = await Ticket.raw(
        "SELECT status, COUNT(*) AS n FROM ticket WHERE academie = {} GROUP BY status", academie
    )
    counts = {status: 0 for status in STATUSES} | {row["status"]: row["n"] for row in rows}
    _COUNTS_CACHE[academie] = (time.monotonic(), counts)
    return counts


def forget_counts(academie: str) -> None:
    _COUNTS_CACHE.pop(academie, None)
