"""A ticket's page for its académie's staff (/agent/tickets/<référence>) and its actions."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.di import Provide
from litestar.params import FromPath
from litestar.response import Redirect, Template

from helpdesk.auth.flash import flashed, redirect_with
from helpdesk.auth.service import CurrentStaff, current_agents
from helpdesk.categories.catalogue import LABELS, category_of
from helpdesk.core.web import PageNotFound, page
from helpdesk.desk import (
    account_panel,
    account_steps,
    agent,
    canned,
    forwarding,
    incidents,
    staff_words,
)
from helpdesk.desk.staff_words import STAFF_STATUS_LABELS
from helpdesk.establishments import transmissions
from helpdesk.mailin.bounces import address_error
from helpdesk.tickets.attachments import download
from helpdesk.tickets.records import utcnow
from helpdesk.tickets.tables import STATUSES, Attachment, Ticket


async def staff_ticket(staff: CurrentStaff, reference: FromPath[str]) -> dict:
    """The `ticket` dependency of the pages: the ticket of the path, if the staff member's
    académie owns it."""
    ticket = await agent.ticket_for(staff, reference)
    if ticket is None:
        raise PageNotFound("Cette demande n'existe pas dans votre académie.")
    return ticket


TICKET = {"ticket": Provide(staff_ticket)}


async def ticket_page_response(
    request: Request,
    staff: CurrentStaff,
    ticket: agent.TicketDep,
    *,
    error: str = "",
    status_code: int = 200,
    draft: str = "",
    confirm: dict | None = None,
) -> Template:
    state = request.app.state
    events = await agent.timeline(ticket["id"])
    agents = await current_agents(staff.academie)
    others = (
        await Ticket.select(Ticket.reference, Ticket.status, Ticket.category, Ticket.created_at)
        .where(
            (Ticket.academie == staff.academie)
            & (Ticket.id != ticket["id"])
            & (
                (
                    (Ticket.requester_email == ticket["requester_email"])
                    & (Ticket.requester_email != "")
                )
                | (
                    (Ticket.child_last_name == ticket["child_last_name"])
                    & (Ticket.child_first_name == ticket["child_first_name"])
                    & (Ticket.child_last_name != "")
                )
            )
        )
        .order_by(Ticket.id, ascending=False)
        .limit(10)
    )
    draft = draft or insertable_answer(request, await canned.answers(staff.academie))
    params = request.query_params
    account_view = await account_panel.panel(
        state,
        staff,
        ticket,
        params.get("compte_q", account_panel.default_search(ticket)),
        params.get("compte", "") or (confirm or {}).get("identifier", ""),
    )
    files = (
        await Attachment.select().where(Attachment.ticket == ticket["id"]).order_by(Attachment.id)
    )
    return page(
        "agent/ticket.html",
        account_view=account_view,
        words=staff_words,
        school=await account_panel.school_of(state, staff, ticket),
        files=files,
        confirm=confirm,
        transmissions=await transmissions.of_ticket(ticket["id"]),
        open_incidents=[i for i in state.incidents.open if i["academie"] == staff.academie],
        canned=await canned.answers(staff.academie),
        faq_questions=state.faq.faq.questions,
        uai_mismatch=forwarding.uai_mismatch(state, ticket),
        address_error=await address_error(ticket["id"]),
        all_academies=state.academies.all,
        status_code=status_code,
        staff=staff,
        ticket=ticket,
        events=events,
        agents=agents,
        agent_names={a["id"]: a["name"] or a["email"] for a in agents},
        status_labels=STAFF_STATUS_LABELS,
        statuses=STATUSES,
        categories=LABELS,
        priorities=agent.PRIORITIES,
        checklist=category_of(ticket["category"]).checklist,
        academie=state.academies.get(ticket["academie"]),
        others=others,
        error=error,
        draft=draft,
        now=utcnow(),
        message=flashed(request),
    )


def insertable_answer(request: Request, canned: list[dict]) -> str:
    """?modele=<id> or ?faq=<slug>: a canned answer or a FAQ answer put in the reply box."""
    params = request.query_params
    chosen = params.get("modele", "")
    if chosen.isdigit():
        return next((c["body"] for c in canned if c["id"] == int(chosen)), "")
    question = request.app.state.faq.question(params.get("faq", ""))
    return f"{question.title}\n\n{question.answer_text}" if question else ""


@get("/agent/tickets/{reference:str}", include_in_schema=False, dependencies=TICKET)
async def ticket_page(request: Request, staff: CurrentStaff, ticket: agent.TicketDep) -> Template:
    return await ticket_page_response(request, staff, ticket)


@get(
    "/agent/tickets/{reference:str}/pieces/{attachment_id:int}",
    include_in_schema=False,
    dependencies=TICKET,
)
async def staff_attachment(
    request: Request, ticket: agent.TicketDep, attachment_id: FromPath[int]
) -> Response:
    """Any file of the ticket, for its académie's staff: screenshots, letters to print."""
    row = (
        await Attachment.select()
        .where((Attachment.id == attachment_id) & (Attachment.ticket == ticket["id"]))
        .first()
    )
    if row is None:
        raise PageNotFound("Cette pièce jointe n'existe pas.")
    return await download(
        request.app.state.settings, row["storage_name"], row["filename"], row["content_type"]
    )


STALE = (
    "Cette demande a été modifiée par quelqu'un d'autre depuis l'ouverture de la page : "
    "rien n'a été enregistré. Relisez les derniers changements ci-dessous, puis recommencez."
)


@post("/agent/tickets/{reference:str}", include_in_schema=False, dependencies=TICKET)
async def ticket_action(
    request: Request, staff: CurrentStaff, ticket: agent.TicketDep, reference: FromPath[str]
) -> Template | Redirect:
    form = await request.form()
    action = str(form.get("action", ""))
    version_text = str(form.get("version", ""))
    version = int(version_text) if version_text.isdigit() else -1
    text = str(form.get("body", ""))
    state = request.app.state
    try:
        if action == "prendre":
            await agent.take(staff, ticket, version)
        elif action == "assigner":
            assignee = str(form.get("assignee", ""))
            await agent.assign(
                staff, ticket, version, int(assignee) if assignee.isdigit() else None, state
            )
        elif action == "modifier":
            await agent.set_fields(
                staff,
                ticket,
                version,
                status=str(form.get("status", "")),
                priority=str(form.get("priority", "")),
                category=str(form.get("category", "")),
            )
        elif action == "fusionner":
            await forwarding.merge_into(staff, ticket, version, str(form.get("target", "")))
        elif action == "transferer":
            await forwarding.transfer(state, staff, ticket, version, str(form.get("academie", "")))
            return redirect_with(request, "/agent", f"Demande {reference} transférée.")
        elif action == "spam":
            await agent.set_fields(staff, ticket, version, status="spam")
        elif action == "compte_verifier":
            confirm = await account_steps.confirm(state, staff, ticket, form)
            return await ticket_page_response(request, staff, ticket, confirm=confirm)
        elif action == "compte_executer":
            done = await account_steps.execute(state, staff, ticket, version, form)
            url = f"/agent/tickets/{reference}?compte={quote(str(form.get('compte', '')))}#compte"
            return redirect_with(request, url, done)
        elif action == "incident":
            chosen = str(form.get("incident", ""))
            await incidents.link(staff, ticket, int(chosen) if chosen.isdigit() else None)
        elif action == "transmettre":
            await forwarding.transmit(staff, ticket, str(form.get("question", "")))
        elif action in ("repondre", "note"):
            await agent.add_message(
                state,
                staff,
                ticket,
                version,
                text,
                internal=action == "note",
                new_status=str(form.get("status", "")) if action == "repondre" else "",
            )
        else:
            return await ticket_page_response(
                request, staff, ticket, error="Action inconnue.", status_code=400
            )
    except agent.StaleTicket:
        fresh = await agent.ticket_for(staff, reference)
        return await ticket_page_response(
            request, staff, fresh, error=STALE, status_code=409, draft=text
        )
    except agent.ActionRefused as refused:
        return await ticket_page_response(
            request, staff, ticket, error=str(refused), status_code=422, draft=text
        )
    return redirect_with(request, f"/agent/tickets/{reference}", "Enregistré.")


ROUTES = [staff_attachment, ticket_page, ticket_action]
