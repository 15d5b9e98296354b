"""The agents' JSON API: same rules and scope as the pages, bearer token instead of a session."""

from __future__ import annotations

import json
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody
from msgspec import UNSET, Meta, UnsetType

from helpdesk.auth.service import BEARER_SECURITY, CurrentStaff, staff_guard
from helpdesk.core.inputs import MAX_INTEGER
from helpdesk.core.web import ApiError
from helpdesk.desk import account_panel, agent
from helpdesk.desk.queue import QueueFilter, list_tickets
from helpdesk.desk.schema import (
    AccountActionDone,
    AccountActionOut,
    EventOut,
    TicketDetail,
    TicketList,
    TicketListItem,
    TicketOut,
    shaped,
)
from helpdesk.tickets.schema import ApiErrors


def account_action_data(event: dict) -> AccountActionOut | UnsetType:
    """An account action's event also as data: its code, the account, what it did or why not
    (without secrets: the port's `as_dict()` left them out when it was recorded)."""
    if event["kind"] != "compte":
        return UNSET
    data = event["data"]
    if isinstance(data, str):
        data = json.loads(data or "{}")
    return AccountActionOut(
        code=data.get("action", ""),
        account=data.get("compte", ""),
        params=data.get("params", {}),
        outcome="ok" if "resultat" in data else "echec",
        result=data.get("resultat"),
        error=data.get("erreur"),
        requester_verified=data.get("verifie"),
    )


def event_out(event: dict) -> EventOut:
    return EventOut(
        kind=event["kind"],
        public=event["public"],
        author=event["author"],
        body=event["body"],
        created_at=event["created_at"].isoformat(),
        account_action=account_action_data(event),
    )


NOT_FOUND = {"reference": "Demande introuvable dans votre académie."}
Version = Annotated[int, Meta(ge=0, le=MAX_INTEGER, description="La version lue avec la demande")]


async def provide_ticket(staff: CurrentStaff, reference: FromPath[str]) -> dict:
    """The `ticket` dependency: the ticket of the path, if the staff member's académie owns it."""
    ticket = await agent.ticket_for(staff, reference)
    if ticket is None:
        raise ApiError(404, NOT_FOUND)
    return ticket


class MessageIn(msgspec.Struct):
    body: Annotated[str, Meta(description="Le texte de la réponse ou de la note")]
    internal: Annotated[bool, Meta(description="Une note interne (true) ou une réponse")] = False
    version: Version | None = None
    status: Annotated[str, Meta(description="Le statut après la réponse")] = ""


class PatchIn(msgspec.Struct):
    version: Version | None = None
    assignee: Annotated[
        int | None | UnsetType, Meta(description="L'agent assigné, ou null pour personne")
    ] = UNSET
    status: str = ""
    priority: str = ""
    category: str = ""


class AccountActionIn(msgspec.Struct):
    action: Annotated[str, Meta(description="Le code de l'action")]
    account: Annotated[str, Meta(description="L'identifiant du compte ÉduConnect")]
    params: dict[str, Any] | None = None
    resolve: bool = False
    reason: Annotated[str, Meta(description="Pourquoi, 500 caractères au plus")] = ""


def error_spec(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=ApiErrors, description=description)


NOT_FOUND_SPEC = {
    400: error_spec("Le corps ou un paramètre n'est pas lisible"),
    404: error_spec("Demande introuvable dans votre académie"),
}
CHANGE_SPECS = {
    **NOT_FOUND_SPEC,
    409: error_spec("La demande a changé depuis votre lecture (version)"),
    422: error_spec("Une valeur n'est pas acceptée\u00a0: un message par champ"),
}


class AgentApi(Controller):
    """The académie's agents and supervisors, with a bearer token (POST /api/v1/auth/login)."""

    path = "/api/v1/tickets"
    tags = ["Demandes"]
    security = BEARER_SECURITY
    guards = [staff_guard("agent", "supervisor")]
    dependencies = {"ticket": Provide(provide_ticket)}

    @get("/", summary="La file de l'académie (pagination par curseur)")
    async def list_api(self, request: Request, staff: CurrentStaff) -> TicketList:
        params = request.query_params
        rows, next_cursor = await list_tickets(
            staff, QueueFilter.from_params(params), params.get("cursor", "")
        )
        return TicketList([shaped(r, TicketListItem) for r in rows], next_cursor or None)

    @get("/{reference:str}", summary="Une demande et son historique", responses=NOT_FOUND_SPEC)
    async def detail_api(self, ticket: agent.TicketDep) -> TicketDetail:
        events = await agent.timeline(ticket["id"])
        return shaped(ticket, TicketDetail, events=[event_out(e) for e in events])

    @post(
        "/{reference:str}/messages",
        summary="Réponse publique (envoyée par courriel) ou note interne",
        status_code=201,
        responses=CHANGE_SPECS,
    )
    async def message_api(
        self, state: State, staff: CurrentStaff, ticket: agent.TicketDep, data: JSONBody[MessageIn]
    ) -> TicketOut:
        version = ticket["version"] if data.version is None else data.version
        try:
            updated = await agent.add_message(
                state,
                staff,
                ticket,
                version,
                data.body,
                internal=data.internal,
                new_status=data.status,
            )
        except agent.StaleTicket:
            raise ApiError(409, {"version": STALE}) from None
        except agent.ActionRefused as refused:
            raise ApiError(422, {"body": str(refused)}) from None
        return shaped(updated, TicketOut)

    @patch(
        "/{reference:str}",
        summary="Statut, assignation, priorité, catégorie",
        responses=CHANGE_SPECS,
    )
    async def patch_api(
        self, state: State, staff: CurrentStaff, ticket: agent.TicketDep, data: JSONBody[PatchIn]
    ) -> TicketOut:
        version = ticket["version"] if data.version is None else data.version
        try:
            if data.assignee is not UNSET:
                ticket = await agent.assign(staff, ticket, version, data.assignee, state)
                version = ticket["version"]
            fields = {
                k: getattr(data, k) for k in ("status", "priority", "category") if getattr(data, k)
            }
            if fields:
                ticket = await agent.set_fields(staff, ticket, version, **fields)
        except agent.StaleTicket:
            raise ApiError(409, {"version": STALE}) from None
        except agent.ActionRefused as refused:
            raise ApiError(422, {"_": str(refused)}) from None
        return shaped(ticket, TicketOut)

    @post(
        "/{reference:str}/actions",
        status_code=201,
        summary="Agir sur un compte ÉduConnect depuis la demande (Idempotency-Key conseillé)",
        responses={
            **NOT_FOUND_SPEC,
            409: error_spec("L'action n'est pas permise sur ce compte"),
            422: error_spec("Une valeur n'est pas acceptée\u00a0: un message par champ"),
        },
    )
    async def account_action_api(
        self,
        state: State,
        staff: CurrentStaff,
        ticket: agent.TicketDep,
        data: JSONBody[AccountActionIn],
        idempotency_key: Annotated[str, HeaderParameter(name="Idempotency-Key")] = "",
    ) -> AccountActionDone:
        key = idempotency_key.strip()[:200] or None
        before = await account_panel.action_events(ticket["id"])
        try:
            await account_panel.run(
                state,
                staff,
                ticket,
                ticket["version"],
                data.action,
                data.account,
                data.params or {},
                key,
                resolve=data.resolve,
                reason=data.reason[:500],
            )
        except agent.ActionRefused as refused:
            raise ApiError(409, {"action": str(refused)}) from None
        after = await account_panel.action_events(ticket["id"])
        # A replayed key wrote nothing: the answer is the entry of the first call.
        event = next((e for e in after if key and e["data"].get("cle") == key), after[-1])
        result = dict(event["data"])
        result["resultat"] = {**result.get("resultat", {}), "replayed": len(after) == len(before)}
        return AccountActionDone(
            event["kind"], event["body"], result, event["created_at"].isoformat()
        )


STALE = "La demande a changé depuis votre lecture\u00a0: relisez-la (version) puis recommencez."


ROUTES = [AgentApi]
