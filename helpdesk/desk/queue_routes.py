"""The académie's queue (/agent): filters, counts, paging, actions on several tickets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.response import Redirect, Template

from helpdesk.auth.flash import flashed, redirect_with
from helpdesk.auth.service import CurrentStaff, academy_agents
from helpdesk.categories.catalogue import SHORT_NAMES, category_of
from helpdesk.core.french import datetime_fr
from helpdesk.core.web import page
from helpdesk.desk import agent, staff_words
from helpdesk.desk.queue import PAGE_SIZE, QueueFilter, list_tickets, status_counts
from helpdesk.desk.staff_words import STAFF_STATUS_LABELS
from helpdesk.mailin.bounces import address_errors
from helpdesk.tickets.records import utcnow
from helpdesk.tickets.tables import STATUSES


def query_string(params, **changes) -> str:
    """The queue's current filters with some values changed (for sort and paging links)."""
    items = [(k, v) for k, v in params.multi_items() if k not in changes and v != ""]
    items += [(k, v) for k, v in changes.items() if v]
    return urlencode(items)


@dataclass(frozen=True, slots=True)
class QueueRow:
    """A line of the queue with its labels ready: the template only places them (it costs
    far less in Python than in Jinja, 25 times per page)."""

    reference: str
    escalation: bool
    created: str
    category: str
    suggestion: str  # "Mot de passe (87 %)" when the triage disagrees with confidence
    requester: str
    child: str
    status: str
    assignee: str
    late: bool
    due: str
    address_error: str = ""  # the reason of a bounce: « adresse du demandeur en erreur »


def queue_row(
    row: dict, agent_names: dict[int, str], now: dt.datetime, address_error: str = ""
) -> QueueRow:
    due = row["sla_due_at"]
    suggested, confidence = row["suggested_category"], row["suggested_confidence"]
    suggestion = ""
    if suggested and suggested != row["category"] and confidence >= 0.5:
        suggestion = f"{category_of(suggested).short} ({int(round(confidence * 100))} %)"
    return QueueRow(
        reference=row["reference"],
        escalation=row["channel"] == "escalation",
        created=datetime_fr(row["created_at"]),
        category=category_of(row["category"]).short,
        suggestion=suggestion,
        requester=f"{row['requester_first_name']} {row['requester_last_name']}",
        child=f"{row['child_first_name']} {row['child_last_name']}",
        status=STAFF_STATUS_LABELS[row["status"]],
        assignee=agent_names.get(row["assignee_id"], "-") if row["assignee_id"] else "-",
        late=bool(due and due < now and row["status"] in ("nouveau", "en_cours")),
        due=datetime_fr(due) if due else "-",
        address_error=address_error,
    )


@get("/agent", include_in_schema=False)
async def queue_page(request: Request, staff: CurrentStaff) -> Template:
    params = request.query_params
    f = QueueFilter.from_params(params)
    rows, next_cursor = await list_tickets(staff, f, params.get("cursor", ""))
    agents = await academy_agents(staff.academie)  # remembered a few seconds
    agent_names = {a["id"]: a["name"] or a["email"] for a in agents}
    now = utcnow()
    bounced = await address_errors([row["id"] for row in rows])
    return page(
        "agent/queue.html",
        staff=staff,
        rows=[queue_row(row, agent_names, now, bounced.get(row["id"], "")) for row in rows],
        next_cursor=next_cursor,
        f=f,
        counts=await status_counts(staff.academie),
        statuses=STATUSES,
        status_labels=STAFF_STATUS_LABELS,
        categories=SHORT_NAMES,
        agents=agents,
        academie=request.app.state.academies.get(staff.academie),
        query_string=lambda **kw: query_string(params, **kw),
        page_size=PAGE_SIZE,
        message=flashed(request),
        words=staff_words,
    )


@post("/agent/lot", include_in_schema=False)
async def bulk(request: Request, staff: CurrentStaff) -> Redirect:
    """Take, assign or close several tickets at once (each one checked and recorded)."""
    form = await request.form()
    action = form.get("action", "")
    references = [r for r in form.getall("ref", []) if isinstance(r, str)][:100]
    done = 0
    for reference in references:
        ticket = await agent.ticket_for(staff, reference)
        if ticket is None:
            continue
        try:
            if action == "prendre":
                await agent.take(staff, ticket, ticket["version"])
            elif action == "assigner" and str(form.get("assignee", "")).isdigit():
                await agent.assign(
                    staff, ticket, ticket["version"], int(form.get("assignee")), request.app.state
                )
            elif action == "clore":
                await agent.set_fields(staff, ticket, ticket["version"], status="clos")
            else:
                continue
            done += 1
        except (agent.StaleTicket, agent.ActionRefused):
            continue
    return redirect_with(request, "/agent", f"{done} demande(s) traitée(s).")


ROUTES = [queue_page, bulk]
