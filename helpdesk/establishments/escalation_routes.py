"""The establishments' space: /etablissement (its guard, the school's staff only, is given in
helpdesk/establishments/pages.py)."""

from __future__ import annotations

import secrets

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from helpdesk.auth.flash import flashed, redirect_with
from helpdesk.auth.service import CurrentStaff, Staff, audit
from helpdesk.core.web import PageNotFound, client_ip, page
from helpdesk.establishments import escalations, letter_deliveries, transmissions
from helpdesk.tickets.attachments import AttachmentError, download, read_upload
from helpdesk.tickets.records import STATUS_LABELS, IdempotencyConflict, body_fingerprint
from helpdesk.tickets.service import TicketService


@get("/etablissement", include_in_schema=False)
async def home(request: Request, staff: CurrentStaff) -> Template:
    return page(
        "etablissement/index.html",
        staff=staff,
        tickets=await escalations.escalations(staff),
        transmissions=await transmissions.open_transmissions(staff),
        letters=await letter_deliveries.letters(staff),
        status_labels=STATUS_LABELS,
        category_label=escalations.category_label,
        message=flashed(request),
    )


def escalation_form(staff: Staff, values: dict, errors: dict, status_code: int = 200) -> Template:
    return page(
        "etablissement/signaler.html",
        status_code=status_code,
        staff=staff,
        values=values,
        errors=errors,
        categories=escalations.ESCALATION_CATEGORIES,
        modules=escalations.CONSOLE_MODULES,
        form_id=values.get("form_id") or secrets.token_urlsafe(16),
    )


@get("/etablissement/signaler", include_in_schema=False)
async def new_escalation(staff: CurrentStaff) -> Template:
    return escalation_form(
        staff,
        {
            "category": "etablissement_console",
            "degre": "2nd",
            "uai": staff.uais[0] if staff.uais else "",
        },
        {},
    )


@post("/etablissement/signaler", include_in_schema=False)
async def create_escalation(request: Request, staff: CurrentStaff) -> Template | Redirect:
    state = request.app.state
    form = await request.form()
    clean, errors, values = escalations.validate_escalation(form, staff, state.academies)
    upload = None
    try:
        upload = await read_upload(
            form, "piece_jointe", state.settings.privacy.max_attachment_bytes
        )
    except AttachmentError as error:
        errors["piece_jointe"] = str(error)
    if errors:
        return escalation_form(staff, values, errors, 422)
    try:
        created = await TicketService(state).create(
            clean,
            channel="escalation",
            upload=upload,
            idempotency_key=f"etab:{values['form_id']}" if values["form_id"] else "",
            fingerprint=body_fingerprint(values),
        )
    except IdempotencyConflict:
        return escalation_form(
            staff,
            {**values, "form_id": ""},
            {"_": "Ce formulaire a déjà servi : vérifiez et renvoyez."},
            422,
        )
    return Redirect(f"/etablissement/demandes/{created.reference}?nouvelle=1", status_code=303)


async def own_escalation(staff: Staff, reference: str) -> dict:
    ticket = await escalations.escalation_for(staff, reference)
    if ticket is None:
        raise PageNotFound("Ce signalement n'existe pas pour vos établissements.")
    return ticket


@get("/etablissement/demandes/{reference:str}", include_in_schema=False)
async def escalation_page(
    request: Request, reference: FromPath[str], staff: CurrentStaff
) -> Template:
    ticket = await own_escalation(staff, reference)
    timeline = await TicketService(request.app.state).public_timeline(ticket["id"])
    return page(
        "etablissement/demande.html",
        staff=staff,
        ticket=ticket,
        timeline=timeline,
        status_label=STATUS_LABELS[ticket["status"]],
        category_label=escalations.category_label,
        is_new=request.query_params.get("nouvelle") == "1",
        errors={},
    )


@post("/etablissement/demandes/{reference:str}/repondre", include_in_schema=False)
async def escalation_reply(
    request: Request, reference: FromPath[str], staff: CurrentStaff
) -> Redirect:
    ticket = await own_escalation(staff, reference)
    form = await request.form()
    message = escalations.text(form, "message", 5000)
    if message:
        created = await TicketService(request.app.state).reply(ticket, message, None)
        if created:
            return Redirect(
                f"/etablissement/demandes/{created.reference}?nouvelle=1", status_code=303
            )
    return Redirect(f"/etablissement/demandes/{reference}", status_code=303)


@post("/etablissement/transmissions/{transmission_id:int}", include_in_schema=False)
async def answer(request: Request, transmission_id: FromPath[int], staff: CurrentStaff) -> Redirect:
    form = await request.form()
    text = escalations.text(form, "answer", 5000)
    if not text:
        return redirect_with(request, "/etablissement", "Écrivez votre réponse.")
    row = await transmissions.answer_transmission(request.app.state, staff, transmission_id, text)
    if row is None:
        raise PageNotFound("Cette demande de l'académie n'existe pas pour vos établissements.")
    return redirect_with(request, "/etablissement", "Réponse transmise à l'académie.")


async def own_letter(staff: Staff, delivery_id: int) -> dict:
    delivery = await letter_deliveries.letter_for(staff, delivery_id)
    if delivery is None:
        raise PageNotFound("Ce courrier n'existe pas pour vos établissements.")
    if await letter_deliveries.replaced(delivery):
        raise PageNotFound("Ce courrier a été remplacé par un plus récent, à remettre à sa place.")
    return delivery


@get("/etablissement/courriers/{delivery_id:int}", include_in_schema=False)
async def letter_file(
    request: Request, delivery_id: FromPath[int], staff: CurrentStaff
) -> Response:
    delivery = await own_letter(staff, delivery_id)
    return await download(
        request.app.state.settings,
        delivery["attachment.storage_name"],
        delivery["attachment.filename"],
        "application/pdf",
    )


@post("/etablissement/courriers/{delivery_id:int}/remis", include_in_schema=False)
async def letter_handed_over(
    request: Request, delivery_id: FromPath[int], staff: CurrentStaff
) -> Redirect:
    delivery = await own_letter(staff, delivery_id)
    if await letter_deliveries.hand_over(staff, delivery):
        # The audit log's line, as for the letters of an action on many accounts
        await audit(
            "courriers_remis", staff.id, client_ip(request), uai=delivery["uai"],
            courrier=delivery["id"], comptes=[delivery["account"]],
        )  # fmt: skip
    return redirect_with(request, "/etablissement", "Courrier marqué comme remis.")


ROUTES = [
    home,
    new_escalation,
    create_escalation,
    escalation_page,
    escalation_reply,
    answer,
    letter_file,
    letter_handed_over,
]
