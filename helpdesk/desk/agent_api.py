"""The agents' JSON API: same rules and scope as the pages, bearer token instead of a session."""

from __future__ import annotations

import json

from litestar import Request, Response, get, patch, post
from litestar.params import FromPath
from piccolo.columns import Timestamptz

from helpdesk.auth.service import require_staff
from helpdesk.core.inputs import as_integer
from helpdesk.desk import account_panel, agent
from helpdesk.desk.queue import QueueFilter, list_tickets
from helpdesk.tickets.tables import Ticket

PUBLIC_FIELDS = (
    "reference",
    "academie",
    "category",
    "status",
    "priority",
    "channel",
    "degre",
    "uai",
    "etablissement",
    "requester_kind",
    "requester_first_name",
    "requester_last_name",
    "requester_email",
    "requester_phone",
    "child_first_name",
    "child_last_name",
    "child_birth_date_typed",
    "refused_birth_date_typed",
    "child_classe",
    "child_ine",
    "identifier",
    "activation_email",
    "message",
    "assignee_id",
    "version",
    "created_at",
    "updated_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "sla_due_at",
    "suggested_category",
    "suggested_confidence",
)
LIST_FIELDS = (
    "reference",
    "category",
    "status",
    "priority",
    "channel",
    "degre",
    "uai",
    "requester_first_name",
    "requester_last_name",
    "requester_email",
    "child_first_name",
    "child_last_name",
    "assignee_id",
    "created_at",
    "sla_due_at",
    "version",
    "suggested_category",
    "suggested_confidence",
)


# The ticket's columns that JSON gets as ISO 8601 text: what the table says is a timestamp.
TIMESTAMPS = frozenset(
    column._meta.name for column in Ticket._meta.columns if isinstance(column, Timestamptz)
)


def as_json(row: dict, fields: tuple[str, ...]) -> dict:
    """The fields of a ticket (a row that has them all) as JSON: timestamps in ISO 8601."""
    return {
        name: row[name].isoformat() if name in TIMESTAMPS and row[name] is not None else row[name]
        for name in fields
    }


def account_action_data(event: dict) -> dict:
    """An account action's event also as data: its code, the account, what it did or why not
    (without secrets: the port's `as_dict()` left them out when it was recorded)."""
    if event["kind"] != "compte":
        return {}
    data = event["data"]
    if isinstance(data, str):
        data = json.loads(data or "{}")
    return {
        "account_action": {
            "code": data.get("action", ""),
            "account": data.get("compte", ""),
            "params": data.get("params", {}),
            "outcome": "ok" if "resultat" in data else "echec",
            "result": data.get("resultat"),
            "error": data.get("erreur"),
            "requester_verified": data.get("verifie"),
        }
    }


def not_found() -> Response:
    return Response(
        {"errors": {"reference": "Demande introuvable dans votre académie."}}, status_code=404
    )


async def json_body(request: Request) -> dict | None:
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


@get("/api/v1/tickets", tags=["Demandes"], summary="La file de l'académie (pagination par curseur)")
async def list_api(request: Request) -> Response:
    staff = await require_staff(request, "agent", "supervisor")
    params = request.query_params
    rows, next_cursor = await list_tickets(
        staff, QueueFilter.from_params(params), params.get("cursor", "")
    )
    return Response(
        {"items": [as_json(r, LIST_FIELDS) for r in rows], "next_cursor": next_cursor or None}
    )


@get("/api/v1/tickets/{reference:str}", tags=["Demandes"], summary="Une demande et son historique")
async def detail_api(request: Request, reference: FromPath[str]) -> Response:
    staff = await require_staff(request, "agent", "supervisor")
    ticket = await agent.ticket_for(staff, reference)
    if ticket is None:
        return not_found()
    events = await agent.timeline(ticket["id"])
    return Response(
        as_json(ticket, PUBLIC_FIELDS)
        | {
            "events": [
                {
                    "kind": e["kind"],
                    "public": e["public"],
                    "author": e["author"],
                    "body": e["body"],
                    "created_at": e["created_at"].isoformat(),
                }
                | account_action_data(e)
                for e in events
            ]
        }
    )


@post(
    "/api/v1/tickets/{reference:str}/messages",
    tags=["Demandes"],
    summary="Réponse publique (envoyée par courriel) ou note interne",
    status_code=201,
)
async def message_api(request: Request, reference: FromPath[str]) -> Response:
    staff = await require_staff(request, "agent", "supervisor")
    ticket = await agent.ticket_for(staff, reference)
    if ticket is None:
        return not_found()
    body = await json_body(request)
    if body is None or not isinstance(body.get("body"), str):
        return Response(
            {"errors": {"body": 'Envoyez {"body": "…", "internal": false}.'}}, status_code=422
        )
    version = as_integer(body.get("version", ticket["version"]))
    if version is None:
        return Response({"errors": {"version": BAD_VERSION}}, status_code=422)
    if not isinstance(body.get("internal", False), bool):
        return Response({"errors": {"internal": "true ou false."}}, status_code=422)
    if not isinstance(body.get("status") or "", str):
        return Response({"errors": {"status": "Un statut, en texte."}}, status_code=422)
    try:
        updated = await agent.add_message(
            request.app.state,
            staff,
            ticket,
            version,
            body["body"],
            internal=body.get("internal", False),
            new_status=body.get("status") or "",
        )
    except agent.StaleTicket:
        return Response({"errors": {"version": agent_stale()}}, status_code=409)
    except agent.ActionRefused as refused:
        return Response({"errors": {"body": str(refused)}}, status_code=422)
    return Response(as_json(updated, PUBLIC_FIELDS), status_code=201)


BAD_VERSION = "La version est le nombre entier lu avec la demande."


def agent_stale() -> str:
    return "La demande a changé depuis votre lecture : relisez-la (version) puis recommencez."


@patch(
    "/api/v1/tickets/{reference:str}",
    tags=["Demandes"],
    summary="Statut, assignation, priorité, catégorie",
)
async def patch_api(request: Request, reference: FromPath[str]) -> Response:
    staff = await require_staff(request, "agent", "supervisor")
    ticket = await agent.ticket_for(staff, reference)
    if ticket is None:
        return not_found()
    body = await json_body(request)
    if body is None:
        return Response({"errors": {"_": "Le corps doit être un objet JSON."}}, status_code=422)
    version = as_integer(body.get("version", ticket["version"]))
    if version is None:
        return Response({"errors": {"version": BAD_VERSION}}, status_code=422)
    try:
        if "assignee" in body:
            assignee = body["assignee"]
            if assignee is not None and (isinstance(assignee, str) or as_integer(assignee) is None):
                raise agent.ActionRefused("assignee : un identifiant d'agent ou null.")
            ticket = await agent.assign(staff, ticket, version, assignee, request.app.state)
            version = ticket["version"]
        fields = {k: body[k] for k in ("status", "priority", "category") if k in body}
        if any(not isinstance(v, str) for v in fields.values()):
            raise agent.ActionRefused("status, priority et category sont des textes.")
        if fields:
            ticket = await agent.set_fields(staff, ticket, version, **fields)
    except agent.StaleTicket:
        return Response({"errors": {"version": agent_stale()}}, status_code=409)
    except agent.ActionRefused as refused:
        return Response({"errors": {"_": str(refused)}}, status_code=422)
    return Response(as_json(ticket, PUBLIC_FIELDS))


@post(
    "/api/v1/tickets/{reference:str}/actions",
    tags=["Demandes"],
    status_code=201,
    summary="Agir sur un compte ÉduConnect depuis la demande (Idempotency-Key conseillé)",
)
async def account_action_api(request: Request, reference: FromPath[str]) -> Response:
    staff = await require_staff(request, "agent", "supervisor")
    ticket = await agent.ticket_for(staff, reference)
    if ticket is None:
        return not_found()
    body = await json_body(request)
    if (
        body is None
        or not isinstance(body.get("action"), str)
        or not isinstance(body.get("account"), str)
    ):
        return Response(
            {"errors": {"_": 'Envoyez {"action": code, "account": identifiant, "params": {…}}.'}},
            status_code=422,
        )
    params = body.get("params") or {}
    if not isinstance(params, dict):
        return Response({"errors": {"params": "Un objet est attendu."}}, status_code=422)
    key = request.headers.get("idempotency-key", "").strip()[:200] or None
    before = await account_panel.action_events(ticket["id"])
    try:
        await account_panel.run(
            request.app.state,
            staff,
            ticket,
            ticket["version"],
            body["action"],
            body["account"],
            params,
            key,
            resolve=bool(body.get("resolve")),
            reason=str(body.get("reason") or "")[:500],
        )
    except agent.ActionRefused as refused:
        return Response({"errors": {"action": str(refused)}}, status_code=409)
    after = await account_panel.action_events(ticket["id"])
    # A replayed key wrote nothing: the answer is the entry of the first call.
    event = next((e for e in after if key and e["data"].get("cle") == key), after[-1])
    data = dict(event["data"])
    data["resultat"] = {**data.get("resultat", {}), "replayed": len(after) == len(before)}
    return Response(
        {
            "kind": event["kind"],
            "body": event["body"],
            "data": data,
            "created_at": event["created_at"].isoformat(),
        },
        status_code=201,
    )


ROUTES = [list_api, detail_api, message_api, patch_api, account_action_api]
