"""POST /api/v1/tickets: a request sent as JSON, with the form's checks.

Litestar decodes the body into `TicketIn` (helpdesk.tickets.schema) and describes it in
/schema; a body that does not fit gets the app's French 422 (helpdesk.core.web)."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import SerializationException
from litestar.openapi import ResponseSpec
from litestar.params import HeaderParameter, JSONBody

from helpdesk.core.inputs import check_request
from helpdesk.tickets.form_routes import form_limit, today
from helpdesk.tickets.records import IdempotencyConflict, body_fingerprint
from helpdesk.tickets.schema import FLAT_TO_API, ApiErrors, TicketCreated, TicketIn, flatten
from helpdesk.tickets.service import TicketService
from helpdesk.tickets.validation import validate_request

API_MAX_BYTES = 64 * 1024
TOO_BIG = f"Le corps dépasse {API_MAX_BYTES // 1024} Kio."


def api_errors(errors: dict[str, str], status_code: int = 422) -> Response:
    return Response({"errors": errors}, status_code=status_code)


async def body_checks(request: Request) -> Response | None:
    """Before Litestar decodes the body: the app's rule for every text (check_request, which a
    route's own `before_request` must call), then JSON, its size and the rate of requests."""
    refused = await check_request(request)
    if refused is not None:
        return refused
    if "application/json" not in request.headers.get("content-type", ""):
        return api_errors(
            {"_": "Le corps doit être du JSON (Content-Type: application/json)."}, 415
        )
    declared = request.headers.get("content-length", "0")
    if declared.isdigit() and int(declared) > API_MAX_BYTES:
        return api_errors({"_": TOO_BIG}, 413)
    await request.app.state.rate_limiter.check(request, form_limit(request))
    if len(await request.body()) > API_MAX_BYTES:
        return api_errors({"_": TOO_BIG}, 413)
    try:
        await request.json()  # kept by the request: Litestar decodes it once
    except SerializationException:
        return api_errors({"_": "Le corps n'est pas du JSON valide."}, 400)
    return None


def ticket_service(state: State) -> TicketService:
    return TicketService(state)


def error_spec(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=ApiErrors, description=description)


@post(
    "/api/v1/tickets",
    tags=["Demandes"],
    summary="Créer une demande d'assistance",
    description=(
        "Réponse 201 {reference, follow_url}\u00a0; 422 {errors: {champ: message}}, le champ nommé "
        "comme dans le corps (requester.email)\u00a0; en-tête Idempotency-Key facultatif."
    ),
    status_code=201,
    response_description="La demande créée\u00a0: sa référence et son lien de suivi",
    before_request=body_checks,
    dependencies={"tickets": Provide(ticket_service, sync_to_thread=False)},
    responses={
        400: error_spec("Le corps n'est pas un objet JSON"),
        409: error_spec("La clé Idempotency-Key a déjà servi pour une autre demande"),
        413: error_spec(f"Le corps dépasse {API_MAX_BYTES // 1024} Kio"),
        415: error_spec("Le corps n'est pas du JSON"),
        422: error_spec("Un champ manque ou n'est pas valide\u00a0: un message par champ"),
    },
)
async def create_ticket_api(
    request: Request,
    data: JSONBody[TicketIn],
    tickets: NamedDependency[TicketService],
    idempotency_key: Annotated[
        str, HeaderParameter(name="Idempotency-Key", description="200 caractères au plus")
    ] = "",
) -> Response[TicketCreated]:
    state = request.app.state
    clean, errors = validate_request(
        flatten(data),
        state.academies,
        today=today(),
        email_deliverability=state.settings.mail.check_deliverability,
        email_confirmed=True,
    )
    if errors:
        return api_errors({FLAT_TO_API.get(k, k): v for k, v in errors.items()})
    key = idempotency_key.strip()
    if len(key) > 200:
        return api_errors({"Idempotency-Key": "200 caractères au plus."})
    try:
        created = await tickets.create(
            clean,
            channel="api",
            idempotency_key=f"api:{key}" if key else "",
            fingerprint=body_fingerprint(await request.json()),
        )
    except IdempotencyConflict:
        return api_errors(
            {"Idempotency-Key": "Cette clé a déjà servi pour une autre demande."}, 409
        )
    return Response(
        TicketCreated(reference=created.reference, follow_url=tickets.follow_url(created.token)),
        status_code=201,
        headers={"idempotent-replayed": "true"} if created.replayed else {},
    )


ROUTES = [create_ticket_api]
