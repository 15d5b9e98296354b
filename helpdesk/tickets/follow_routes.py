"""Following a request through its private link: the page, replying, « Mon problème est
résolu », its files; and the links sent again to an address that lost them."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.params import FromPath
from litestar.response import Redirect, Template

from helpdesk.categories.catalogue import CATEGORIES
from helpdesk.core.inputs import OWN_TEXT_CHECKS, text_problem
from helpdesk.core.ratelimit import Limit
from helpdesk.core.web import PageNotFound, page
from helpdesk.tickets.attachments import AttachmentError, download, read_upload
from helpdesk.tickets.form_routes import form_limit
from helpdesk.tickets.records import STATUS_LABELS
from helpdesk.tickets.service import TicketService
from helpdesk.tickets.validation import MESSAGE_MAX, check_email


async def ticket_or_404(request: Request, token: str) -> dict:
    ticket = await TicketService(request.app.state).by_token(token)
    if ticket is None:
        raise PageNotFound(
            "Ce lien de suivi n'existe pas. Vérifiez qu'il est complet (copiez-le en entier "
            "depuis le courriel), ou recevez de nouveau les liens de vos demandes en cours.",
            link=("/suivi/perdu", "Recevoir de nouveau mes liens de suivi"),
        )
    return ticket


def follow_page(request: Request, ticket: dict, timeline: list, token: str, **extra) -> Template:
    state = request.app.state
    academie = state.academies.get(ticket["academie"])
    return page(
        "tickets/follow.html",
        ticket=ticket,
        timeline=timeline,
        token=token,
        academie=academie,
        category=CATEGORIES.get(ticket["category"]),
        status_label=STATUS_LABELS.get(ticket["status"], ticket["status"]),
        follow_url=TicketService(state).follow_url(token),
        is_new=request.query_params.get("nouvelle") == "1",
        message_max=MESSAGE_MAX,
        max_attachment_mb=state.settings.privacy.max_attachment_bytes // (1024 * 1024),
        **extra,
    )


@get("/suivi/{token:str}", include_in_schema=False)
async def follow(request: Request, token: FromPath[str]) -> Template:
    ticket = await ticket_or_404(request, token)
    timeline = await TicketService(request.app.state).public_timeline(ticket["id"])
    return follow_page(request, ticket, timeline, token, errors={}, values={})


@post("/suivi/{token:str}/repondre", include_in_schema=False, opt={OWN_TEXT_CHECKS: ("message",)})
async def follow_reply(request: Request, token: FromPath[str]) -> Response | Template:
    state = request.app.state
    ticket = await ticket_or_404(request, token)
    await state.rate_limiter.check(request, form_limit(request))
    form = await request.form()
    message = form.get("message", "")
    message = message.strip() if isinstance(message, str) else ""
    errors = {}
    if not message:
        errors["message"] = "Écrivez votre réponse."
    elif text_problem(message):
        errors["message"] = text_problem(message)
    elif len(message) > MESSAGE_MAX:
        errors["message"] = f"Votre message est trop long : {MESSAGE_MAX} caractères au plus."
    upload = None
    try:
        upload = await read_upload(
            form, "piece_jointe", state.settings.privacy.max_attachment_bytes
        )
    except AttachmentError as error:
        errors["piece_jointe"] = str(error)
    service = TicketService(state)
    if errors:
        timeline = await service.public_timeline(ticket["id"])
        return follow_page(
            request,
            ticket,
            timeline,
            token,
            errors=errors,
            values={"message": message},
            status_code=422,
        )
    created = await service.reply(ticket, message, upload)
    if created:  # the request was closed: the reply opened a new one
        return Redirect(f"/suivi/{created.token}?nouvelle=1", status_code=303)
    return Redirect(f"/suivi/{token}?envoye=1#echanges", status_code=303)


@get("/suivi/{token:str}/resolu", include_in_schema=False)
async def follow_solved_confirm(request: Request, token: FromPath[str]) -> Template:
    """« Mon problème est résolu » asks first: closing is not undone by a slip of the finger."""
    ticket = await ticket_or_404(request, token)
    return page("tickets/confirm_solved.html", ticket=ticket, token=token)


@post("/suivi/{token:str}/resolu", include_in_schema=False)
async def follow_solved(request: Request, token: FromPath[str]) -> Redirect:
    ticket = await ticket_or_404(request, token)
    if (await request.form()).get("confirme") != "1":
        return Redirect(f"/suivi/{token}/resolu", status_code=303)
    await TicketService(request.app.state).close_by_requester(ticket)
    return Redirect(f"/suivi/{token}?resolu=1", status_code=303)


@get("/suivi/{token:str}/pieces/{attachment_id:int}", include_in_schema=False)
async def follow_attachment(
    request: Request, token: FromPath[str], attachment_id: FromPath[int]
) -> Response:
    ticket = await ticket_or_404(request, token)
    attachment = await TicketService(request.app.state).attachment(ticket["id"], attachment_id)
    if attachment is None:
        raise PageNotFound("Cette pièce jointe n'existe pas.")
    return await download(
        request.app.state.settings,
        attachment["storage_name"],
        attachment["filename"],
        attachment["content_type"],
    )


@get("/suivi/perdu", include_in_schema=False)
async def lost_link_form() -> Template:
    return page("tickets/lost_link.html", errors={}, values={}, sent=False)


@post("/suivi/perdu", include_in_schema=False)
async def lost_link_submit(request: Request) -> Template:
    state = request.app.state
    form = await request.form()
    typed = form.get("email", "")
    typed = typed.strip() if isinstance(typed, str) else ""
    email, error = check_email(typed, False, confirmed=True)
    if error:
        return page(
            "tickets/lost_link.html",
            status_code=422,
            errors={"email": error},
            values={"email": typed},
            sent=False,
        )
    hourly = Limit("lost_link", state.settings.rate_limits.lost_link_per_hour, 3600)
    await state.rate_limiter.check(request, hourly)
    # Per address too, so that nobody floods a parent's mailbox from many addresses.
    allowed = await state.rate_limiter.hit(hourly, f"mail:{email}")
    # The lookup and the mail come after the response, sent at once whatever the address:
    # how long the answer takes tells nothing of the requests an address has.
    return Template(
        template_name="tickets/lost_link.html",
        context={"errors": {}, "values": {}, "sent": True},
        background=BackgroundTask(send_lost_links, request, email) if allowed else None,
    )


async def send_lost_links(request: Request, email: str) -> None:
    try:
        await TicketService(request.app.state).send_lost_links(email)
    except Exception:  # after the response: nobody else would see it
        request.logger.exception("Envoi des liens de suivi impossible")


ROUTES = [
    follow,
    follow_reply,
    follow_solved_confirm,
    follow_solved,
    follow_attachment,
    lost_link_form,
    lost_link_submit,
]
