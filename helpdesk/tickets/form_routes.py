"""The assistance form: choosing the académie and the problem, the problem's fields, the FAQ
answers that may help before sending, and sending."""

from __future__ import annotations

import datetime as dt
import secrets

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template

from helpdesk.categories.catalogue import CATEGORIES, fields_of
from helpdesk.contacts.hours import PARIS, PHONE
from helpdesk.core.inputs import OWN_TEXT_CHECKS
from helpdesk.core.ratelimit import Limit
from helpdesk.core.web import error_response, page
from helpdesk.tickets import deflection
from helpdesk.tickets.attachments import AttachmentError, read_upload
from helpdesk.tickets.pending import discard_pending_upload, keep_pending_upload, pending_upload
from helpdesk.tickets.records import IdempotencyConflict, body_fingerprint
from helpdesk.tickets.service import TicketService
from helpdesk.tickets.validation import FIELDS, MESSAGE_MAX, MESSAGE_MIN, validate_request

HONEYPOT = "site_web"


def today() -> dt.date:
    return dt.datetime.now(PARIS).date()


def form_limit(request: Request) -> Limit:
    return Limit("form", request.app.state.settings.rate_limits.form_per_minute, 60)


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
        "max_attachment_mb": state.settings.privacy.max_attachment_bytes // (1024 * 1024),
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
        fresh = await read_upload(form, "piece_jointe", state.settings.privacy.max_attachment_bytes)
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
        email_deliverability=state.settings.mail.check_deliverability,
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
        request, Limit("triage", state.settings.rate_limits.triage_per_minute, 60)
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


ROUTES = [assistance_form, assistance_submit, assistance_suggestions, assistance_resolved]
