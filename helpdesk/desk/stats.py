"""The académie's statistics for supervisors: volumes, backlog age, response times, deflection."""

from __future__ import annotations

import datetime as dt
import statistics as st

from helpdesk.faq.service import vote_counts
from helpdesk.tickets import deflection
from helpdesk.tickets.tables import Ticket, TicketEvent

AGE_BUCKETS = (
    (1, "moins d'un jour"),
    (3, "1 à 3 jours"),
    (7, "3 à 7 jours"),
    (None, "plus de 7 jours"),
)


async def by_category_and_status(academie: str) -> list[dict]:
    return await Ticket.raw(
        "SELECT category, status, COUNT(*) AS n FROM ticket WHERE academie = {} "
        "GROUP BY category, status ORDER BY category, status",
        academie,
    )


async def weekly_volumes(academie: str, now: dt.datetime, weeks: int = 12) -> list[tuple[str, int]]:
    """Tickets received per week (Monday to Sunday) over the last weeks, oldest first."""
    monday = (now - dt.timedelta(days=now.weekday())).date()
    start = monday - dt.timedelta(weeks=weeks - 1)
    since = dt.datetime.combine(start, dt.time(0), dt.UTC)
    rows = await Ticket.select(Ticket.created_at).where(
        (Ticket.academie == academie) & (Ticket.created_at >= since)
    )
    counts = [0] * weeks
    for row in rows:
        counts[min((row["created_at"].date() - start).days // 7, weeks - 1)] += 1
    return [((start + dt.timedelta(weeks=i)).strftime("%d/%m"), n) for i, n in enumerate(counts)]


async def backlog_ages(academie: str, now: dt.datetime) -> list[tuple[str, int]]:
    rows = await Ticket.select(Ticket.created_at).where(
        (Ticket.academie == academie) & Ticket.status.is_in(["nouveau", "en_cours", "en_attente"])
    )
    ages = [(now - row["created_at"]).total_seconds() / 86400 for row in rows]
    result, low = [], 0.0
    for high, label in AGE_BUCKETS:
        result.append((label, sum(1 for a in ages if a >= low and (high is None or a < high))))
        low = high or low
    return result


def median_hours(pairs: list[tuple[dt.datetime, dt.datetime | None]]) -> float | None:
    values = [(end - start).total_seconds() / 3600 for start, end in pairs if end]
    return round(st.median(values), 1) if values else None


async def response_times(academie: str, since: dt.datetime) -> dict[str, float | None]:
    rows = await Ticket.select(
        Ticket.created_at, Ticket.first_response_at, Ticket.resolved_at
    ).where((Ticket.academie == academie) & (Ticket.created_at >= since))
    return {
        "premiere_reponse": median_hours([(r["created_at"], r["first_response_at"]) for r in rows]),
        "resolution": median_hours([(r["created_at"], r["resolved_at"]) for r in rows]),
    }


async def satisfaction(academie: str) -> dict[str, int]:
    """After "résolu": the requester confirmed (closed it) or replied (reopened it)."""
    rows = await TicketEvent.raw(
        "SELECT e.author, COUNT(*) AS n FROM ticket_event e JOIN ticket t ON t.id = e.ticket "
        "WHERE t.academie = {} AND e.kind = 'statut' AND e.author = 'demandeur' GROUP BY e.author",
        academie,
    )
    reopened = await TicketEvent.raw(
        "SELECT COUNT(*) AS n FROM ticket_event e JOIN ticket t ON t.id = e.ticket "
        "WHERE t.academie = {} AND e.kind = 'statut' AND e.body LIKE 'Demande rouverte%'",
        academie,
    )
    return {"resolu_confirme": sum(r["n"] for r in rows), "rouvert": reopened[0]["n"]}


async def faq_not_helpful(limit: int = 10) -> list[tuple[str, int, int]]:
    counts = await vote_counts()
    ranked = sorted(counts.items(), key=lambda item: item[1]["non"], reverse=True)
    return [(slug, c["non"], c["oui"]) for slug, c in ranked[:limit] if c["non"]]


async def overview(academie: str, now: dt.datetime | None = None) -> dict:
    now = now or dt.datetime.now(dt.UTC)
    return {
        "by_category_and_status": await by_category_and_status(academie),
        "backlog": await backlog_ages(academie, now),
        "weekly": await weekly_volumes(academie, now),
        "times": await response_times(academie, now - dt.timedelta(days=90)),
        "satisfaction": await satisfaction(academie),
        "faq_not_helpful": await faq_not_helpful(),
        "deflection": await deflection.statistics(academie),
    }
