"""The agents' API says what it answers: its shapes come from the one schema, its OpenAPI
document describes them and the bearer token, and the keys clients read stay the same."""

import datetime as dt

import msgspec
import pytest

from helpdesk.desk.schema import TicketDetail, TicketListItem, TicketOut, field_names
from helpdesk.tickets.schema import FIELDS, RequestField, stored_name
from helpdesk.tickets.tables import Ticket
from tests.factories import agent, desk_client
from tests.helpers import api_ticket, bearer

# The keys the API gave before its answers were described, in their order: clients read them.
LIST_KEYS = (
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
TICKET_KEYS = (
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
MOMENTS = ("created_at", "updated_at", "first_response_at", "resolved_at", "closed_at")


@pytest.fixture
async def api(settings):
    async with desk_client(settings) as client:
        await agent()
        client.headers.update(await bearer(client, "agent@ot.fr"))
        yield client


def in_order(keys, published) -> list[str]:
    """The published keys among these, in the order given: a key added elsewhere is allowed."""
    return [k for k in keys if k in published]


def test_every_field_of_the_request_is_in_the_ticket_the_api_gives():
    fields = {f.name: f.type for f in msgspec.structs.fields(TicketOut)}
    for name in FIELDS:
        assert fields[stored_name(name)] == getattr(RequestField, name), name
    assert set(field_names(TicketOut)) <= {c._meta.name for c in Ticket._meta.columns}
    assert field_names(TicketDetail) == (*field_names(TicketOut), "events")


async def test_the_keys_and_dates_clients_read_stay_the_same(api):
    reference = await api_ticket(api)
    listed = (await api.get("/api/v1/tickets")).json()
    assert list(listed) == ["items", "next_cursor"] and listed["next_cursor"] is None
    assert list(listed["items"][0]) == list(LIST_KEYS) == list(field_names(TicketListItem))
    detail = (await api.get(f"/api/v1/tickets/{reference}")).json()
    assert in_order(detail, TICKET_KEYS) == list(TICKET_KEYS) and list(detail)[-1] == "events"
    changed = (await api.patch(f"/api/v1/tickets/{reference}", json={"priority": "haute"})).json()
    assert list(changed) == list(detail)[:-1] and changed["priority"] == "haute"
    row = await Ticket.select().where(Ticket.reference == reference).first()
    assert changed["created_at"] == row["created_at"].isoformat()  # …+00:00, not …Z
    assert dt.datetime.fromisoformat(changed["sla_due_at"]).tzinfo is not None
    assert [changed[k] for k in MOMENTS[1:]] == [row["updated_at"].isoformat(), None, None, None]
    assert list(detail["events"][0]) == ["kind", "public", "author", "body", "created_at"]


async def test_the_openapi_document_declares_the_bearer_token(api):
    schema = (await api.get("/schema/openapi.json")).json()
    assert schema["components"]["securitySchemes"]["BearerToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "Le jeton que donne POST /api/v1/auth/login.",
    }
    paths = schema["paths"]
    for path, method in (
        ("/api/v1/tickets", "get"),
        ("/api/v1/tickets/{reference}", "get"),
        ("/api/v1/tickets/{reference}", "patch"),
        ("/api/v1/tickets/{reference}/messages", "post"),
        ("/api/v1/tickets/{reference}/actions", "post"),
        ("/api/v1/accounts", "get"),
        ("/api/v1/accounts/{identifier}", "get"),
        ("/api/v1/auth/logout", "post"),
    ):
        assert paths[path][method]["security"] == [{"BearerToken": []}], (path, method)
    assert "security" not in paths["/api/v1/tickets"]["post"]  # a parent's request: no token
    assert "security" not in paths["/api/v1/auth/login"]["post"]  # where the token comes from


def response_schema(schema: dict, path: str, method: str, status: str) -> dict:
    content = schema["paths"][path][method]["responses"][status]["content"]
    name = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    return schema["components"]["schemas"][name]


async def test_the_openapi_document_describes_the_answers(api):
    schema = (await api.get("/schema/openapi.json")).json()
    components = schema["components"]["schemas"]
    listed = response_schema(schema, "/api/v1/tickets", "get", "200")
    assert listed["properties"]["items"]["items"]["$ref"].endswith("/TicketListItem")
    item = components["TicketListItem"]
    assert list(item["properties"]) == list(LIST_KEYS)
    assert item["properties"]["created_at"]["format"] == "date-time"
    detail = response_schema(schema, "/api/v1/tickets/{reference}", "get", "200")
    assert in_order(detail["properties"], TICKET_KEYS) == list(TICKET_KEYS)
    assert detail["properties"]["events"]["items"]["$ref"].endswith("/EventOut")
    email = detail["properties"]["requester_email"]
    assert email == {
        "type": "string",
        "description": components["Requester"]["properties"]["email"]["description"],
    }
    for path, method, status in (
        ("/api/v1/tickets/{reference}", "patch", "200"),
        ("/api/v1/tickets/{reference}/messages", "post", "201"),
    ):
        assert response_schema(schema, path, method, status)["title"] == "TicketOut"
    action = response_schema(schema, "/api/v1/tickets/{reference}/actions", "post", "201")
    assert set(action["properties"]) == {"kind", "body", "data", "created_at"}
