"""POST /api/v1/tickets: a request sent as JSON, with the form's checks."""

from __future__ import annotations

import json

from litestar import Request, Response, post

from helpdesk.tickets.form_routes import form_limit, today
from helpdesk.tickets.records import IdempotencyConflict, body_fingerprint
from helpdesk.tickets.service import TicketService
from helpdesk.tickets.validation import validate_request

API_MAX_BYTES = 64 * 1024


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


ROUTES = [create_ticket_api]
