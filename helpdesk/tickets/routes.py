"""The assistance form, the follow-up pages, and the tickets API."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template

from helpdesk.contacts.hours import PARIS, PHONE
from helpdesk.inputs import OWN_TEXT_CHECKS, text_problem
from helpdesk.ratelimit import Limit
from helpdesk.tickets import deflection
from helpdesk.tickets.attachments import AttachmentError, Upload, check_upload, download
from helpdesk.tickets.categories import CATEGORIES, fields_of
from helpdesk.tickets.pending import discard_pending_upload, keep_pending_upload, pending_upload
from helpdesk.tickets.service import (
    STATUS_LABELS,
    IdempotencyConflict,
    TicketService,
    body_fingerprint,
)
from helpdesk.tickets.validation import FIELDS, MESSAGE_MAX, MESSAGE_MIN, validate_request
from helpdesk.web import PageNotFound, error_response, page

API_MAX_BYTES = 64 * 1024
HONEYPOT = "site_web"


def today() -> dt.date:
    return dt.datetime.now(PARIS).date()


def form_limit(request: Request) -> Limit:
    return Limit("form", request.app.state.settings.rate_limit_form_per_minute, 60)


def form_context(state, values: dict, errors: dict, **extra) -> tuple[str, dict]:
    """The page of the form's step: choosing (académie, problem), or the category's fields."""
    academie = state.academies.get(values.get("academie", ""))
    category = CATEGORIES.get(values.get("category", ""))
    if academie is None or category is None:
        return "tickets/choose.html", {
            "values": values,
            "errors": errors,
            "categories": CATEGORIES.values(),
            "current": "/assistance",
        }
    return "tickets/form.html", {
        "values": values,
        "errors": errors,
        "academie": academie,
        "category": category,
        "fields": fields_of(category),
        "form_id": values.get("form_id") or secrets.token_urlsafe(16),
        "message_min": MESSAGE_MIN,
        "message_max": MESSAGE_MAX,
        "max_attachment_mb": state.settings.max_attachment_bytes // (1024 * 1024),
        "platform_phone": PHONE,
        "current": "/assistance",
        "category_labels": {c: CATEGORIES[c].label for c in CATEGORIES},
        **extra,
    }


def render_form(
    request: Request, values: dict, errors: dict, status_code: int = 200, **extra
) -> Template:
    name, context = form_context(request.app.state, values, errors, **extra)
    return page(name, status_code=status_code, **context)


@get("/assistance", include_in_schema=False)
async def assistance_form(request: Request) -> Template:
    params = request.query_params
    values = {
        "academie": params.get("academie", ""),
        "category": params.get("categorie", ""),
        "requester_kind": "parent",
    }
    errors = {}
    if values["academie"] and not request.app.state.academies.get(values["academie"]):
        errors["academie"] = "Choisissez votre académie dans la liste."
    if values["category"] and values["category"] not in CATEGORIES:
        errors["category"] = "Choisissez ce qui ne va pas dans la liste."
    if "etape" in params and not values["category"]:
        errors["category"] = "Choisissez ce qui ne va pas dans la liste."
    if "etape" in params and not values["academie"]:
        errors["academie"] = "Choisissez votre académie dans la liste."
    return render_form(request, values, errors)


async def read_upload(form: Any, name: str, max_bytes: int) -> Upload | None:
    file = form.get(name)
    if not isinstance(file, UploadFile):
        return None
    data = await file.read(max_bytes + 1)
    return check_upload(file.filename, data, max_bytes)


def form_values(form) -> dict[str, str]:
    names = (
        *FIELDS,
        "form_id",
        "email_confirme",
        "js",
        "verifie",
        "capture_gardee",
    )
    return {name: v if isinstance(v := form.get(name, ""), str) else "" for name in names}


@post("/assistance", include_in_schema=False, opt={OWN_TEXT_CHECKS: FIELDS})
async def assistance_submit(request: Request) -> Response | Template:
    state = request.app.state
    await state.rate_limiter.check(request, form_limit(request))
    form = await request.form()
    values = form_values(form)
    if form.get(HONEYPOT):  # filled by robots only: answer kindly, keep nothing
        return page("tickets/received_robot.html")
    form_id, file_error, fresh = values["form_id"], "", None
    try:
        fresh = await read_upload(form, "piece_jointe", state.settings.max_attachment_bytes)
    except AttachmentError as error:
        file_error = str(error)
    kept = values["capture_gardee"] == "1"  # the page said a file was kept for this form
    upload = fresh or (await pending_upload(state, form_id) if kept else None)

    async def again(shown: dict, errors: dict, status_code: int = 200, **extra) -> Template:
        """The form shown again (error, « Vérifier » step): a file chosen now is kept, and said."""
        await keep_pending_upload(state, form_id, fresh)
        return render_form(request, shown, errors, status_code, kept_file=upload, **extra)

    switch = form.get("changer_categorie", "")
    if isinstance(switch, str) and switch in CATEGORIES:
        # The parent took the category the text points to: same form, that category's fields.
        return await again({**values, "category": switch, "verifie": "1"}, {})
    clean, errors = validate_request(
        values,
        state.academies,
        today=today(),
        email_deliverability=state.settings.email_check_deliverability,
        email_confirmed=values["email_confirme"] == values["requester_email"] != "",
    )
    if file_error:
        errors["piece_jointe"] = file_error
    if errors:
        values["email_confirme"] = values["requester_email"] if "requester_email" in errors else ""
        return await again(values, errors, 422)
    if values["js"] != "1" and values["verifie"] != "1":
        # Without JavaScript, the answers that may help are shown on a "Vérifier" step.
        found = deflection.suggest(
            state, values["message"], values["category"], values["requester_kind"]
        )
        if found.questions or found.proposed_category:
            await deflection.record(form_id, "montre", values["academie"], values["category"])
            return await again({**values, "verifie": "1"}, {}, suggestions=found)
    service = TicketService(state)
    fingerprint = body_fingerprint({k: values[k] for k in FIELDS})
    try:
        created = await service.create(
            clean,
            channel="web",
            idempotency_key=f"form:{values['form_id']}" if values["form_id"] else "",
            fingerprint=fingerprint,
            upload=upload,
        )
    except IdempotencyConflict:
        values["form_id"] = ""
        return render_form(
            request,
            values,
            {
                "_": "Ce formulaire a déjà été envoyé avec d'autres informations : vérifiez puis envoyez de nouveau."
            },
            422,
        )
    if kept:
        await discard_pending_upload(state, form_id)
    if not created.replayed and await deflection.was_shown(values["form_id"]):
        await deflection.record(values["form_id"], "envoye", values["academie"], values["category"])
    return Redirect(f"/suivi/{created.token}?nouvelle=1", status_code=303)


def unknown_origin(state, values: dict[str, str]) -> str:
    """Why the FAQ statistics cannot count this form (an académie or a category that does not
    exist: anyone can post one), or "". Both may still be unchosen."""
    if values["academie"] and state.academies.get(values["academie"]) is None:
        return "Choisissez votre académie dans la liste."
    if values["category"] and values["category"] not in CATEGORIES:
        return "Choisissez ce qui ne va pas dans la liste."
    return ""


@post("/assistance/suggestions", include_in_schema=False, status_code=200)
async def assistance_suggestions(request: Request) -> Response:
    """While the parent writes (JavaScript): the answers that may help, as an HTML fragment."""
    state = request.app.state
    await state.rate_limiter.check(
        request, Limit("triage", state.settings.rate_limit_triage_per_minute, 60)
    )
    values = form_values(await request.form())
    if unknown_origin(state, values):
        return Response("", media_type="text/html", status_code=422)
    found = deflection.suggest(
        state, values["message"][:MESSAGE_MAX], values["category"], values["requester_kind"]
    )
    if not found.questions and not found.proposed_category:
        return Response("", media_type="text/html")
    await deflection.record(values["form_id"], "montre", values["academie"], values["category"])
    html = state.jinja.get_template("tickets/_suggestions.html").render(
        suggestions=found, category_labels={c: CATEGORIES[c].label for c in CATEGORIES}, live=True
    )
    return Response(html, media_type="text/html")


@post("/assistance/resolu", include_in_schema=False)
async def assistance_resolved(request: Request) -> Template:
    """ "Ma question est résolue": the parent leaves with the FAQ's answer; nothing is sent."""
    form = await request.form()
    values = form_values(form)
    problem = unknown_origin(request.app.state, values)
    if problem:
        return error_response(request, 422, problem)
    slug = form.get("slug", "")
    slug = slug if isinstance(slug, str) else ""
    await deflection.record(
        values["form_id"], "resolu", values["academie"], values["category"], slug
    )
    question = request.app.state.faq.question(slug)
    return page("tickets/resolved_by_faq.html", question=question)


# --- follow-up -------------------------------------------------------------------------


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
        max_attachment_mb=state.settings.max_attachment_bytes // (1024 * 1024),
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
        upload = await read_upload(form, "piece_jointe", state.settings.max_attachment_bytes)
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
    from helpdesk.tickets.validation import check_email

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
    hourly = Limit("lost_link", state.settings.rate_limit_lost_link_per_hour, 3600)
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


# --- API ---------------------------------------------------------------------------------


def api_errors(errors: dict[str, str], status_code: int = 422) -> Response:
    return Response({"errors": errors}, status_code=status_code)


API_NAMES = {  # the flat names of the checks → the JSON contract's names
    **{
        f"requester_{n}": f"requester.{n}"
        for n in ("kind", "first_name", "last_name", "email", "phone")
    },
    **{
        f"child_{n}": f"child.{n}"
        for n in ("first_name", "last_name", "birth_date", "classe", "ine")
    },
    "refused_birth_date": "child.refused_birth_date",
}


def flatten_api_body(body: dict) -> tuple[dict, dict[str, str]]:
    errors: dict[str, str] = {}
    flat = {k: v for k, v in body.items() if k not in ("requester", "child")}
    for group in ("requester", "child"):
        part = body.get(group, {})
        if part is None:
            part = {}
        if not isinstance(part, dict):
            errors[group] = "Un objet est attendu."
            continue
        for key, value in part.items():
            name = (
                "refused_birth_date"
                if group == "child" and key == "refused_birth_date"
                else f"{group}_{key}"
            )
            flat[name] = value
    return flat, errors


@post(
    "/api/v1/tickets",
    tags=["Demandes"],
    summary="Créer une demande d'assistance",
    description=(
        "Corps JSON : academie, category, degre, uai?, identifier?, requester{kind, first_name, "
        "last_name, email, phone?}, child{first_name, last_name, birth_date?, "
        "refused_birth_date?}, message, activation_email?… Réponse 201 {reference, follow_url} ; "
        "422 {errors: {champ: message}} ; en-tête Idempotency-Key facultatif."
    ),
    status_code=201,
)
async def create_ticket_api(request: Request) -> Response:
    state = request.app.state
    if "application/json" not in request.headers.get("content-type", ""):
        return api_errors(
            {"_": "Le corps doit être du JSON (Content-Type: application/json)."}, 415
        )
    declared = request.headers.get("content-length", "0")
    if declared.isdigit() and int(declared) > API_MAX_BYTES:
        return api_errors({"_": f"Le corps dépasse {API_MAX_BYTES // 1024} Kio."}, 413)
    await state.rate_limiter.check(request, form_limit(request))
    raw = await request.body()
    if len(raw) > API_MAX_BYTES:
        return api_errors({"_": f"Le corps dépasse {API_MAX_BYTES // 1024} Kio."}, 413)
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return api_errors({"_": "Le corps n'est pas du JSON valide."}, 400)
    if not isinstance(body, dict):
        return api_errors({"_": "Le corps doit être un objet JSON."}, 400)
    flat, errors = flatten_api_body(body)
    clean, check_errors = validate_request(
        flat,
        state.academies,
        today=today(),
        email_deliverability=state.settings.email_check_deliverability,
        email_confirmed=True,
    )
    errors.update({API_NAMES.get(k, k): v for k, v in check_errors.items()})
    if errors:
        return api_errors(errors)
    key = request.headers.get("idempotency-key", "").strip()
    if len(key) > 200:
        return api_errors({"Idempotency-Key": "200 caractères au plus."})
    service = TicketService(state)
    try:
        created = await service.create(
            clean,
            channel="api",
            idempotency_key=f"api:{key}" if key else "",
            fingerprint=body_fingerprint(body),
        )
    except IdempotencyConflict:
        return api_errors(
            {"Idempotency-Key": "Cette clé a déjà servi pour une autre demande."}, 409
        )
    return Response(
        {"reference": created.reference, "follow_url": service.follow_url(created.token)},
        status_code=201,
        headers={"idempotent-replayed": "true"} if created.replayed else {},
    )


FORM_ROUTES = [
    assistance_form,
    assistance_submit,
    assistance_suggestions,
    assistance_resolved,
    follow,
    follow_reply,
    follow_solved_confirm,
    follow_solved,
    follow_attachment,
    lost_link_form,
    lost_link_submit,
]
API_ROUTES = [create_ticket_api]
