"""What the agents' API answers: a ticket, a line of the queue, an entry of the history.

The request's fields keep the types and descriptions of the one schema (tickets/schema.py);
the desk adds what it follows (status, assignee, version, deadlines). Each shape's fields are
the names the API gives, in its order: `shaped()` fills them from a ticket's row.

Dates are text, as `datetime.isoformat()` writes them (2026-03-02T12:00:00+00:00): the API
gave them so before these shapes, and a client that reads them keeps working.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Annotated, Any, TypeVar

import msgspec
from litestar.openapi.spec import OpenAPIFormat
from litestar.params import KwargDefinition
from msgspec import UNSET, Meta, UnsetType
from piccolo.columns import Timestamptz

from helpdesk.desk.agent import PRIORITIES
from helpdesk.tickets.schema import RequestField, text
from helpdesk.tickets.tables import STATUSES, Ticket

Shape = TypeVar("Shape", bound=msgspec.Struct)


def moment(description: str, *, null: bool = True) -> type[str]:
    """A date and time, ISO 8601 text; null (when it may be) while it has not happened."""
    described = KwargDefinition(description=description, format=OpenAPIFormat.DATE_TIME)
    return Annotated[str | None if null else str, described]  # type: ignore[return-value]


# What the desk adds to a request, the same in every shape.
Reference = text("Référence de la demande, par exemple OT-2026-000001")
Status = text(f"Statut\u00a0: {', '.join(STATUSES)}")
Priority = text(f"Priorité\u00a0: {', '.join(PRIORITIES)}")
Channel = text("Par où la demande est arrivée (son code)")
Assignee = Annotated[int | None, Meta(description="L'agent assigné, null pour personne")]
Version = Annotated[int, Meta(description="La version, à renvoyer avec une modification")]
Suggested = text("La catégorie que suggère le texte du message (tri automatique)")
Confidence = Annotated[float, Meta(description="La confiance de cette suggestion, de 0 à 1")]
Created = moment("Reçue le", null=False)
SlaDue = moment("La prochaine échéance (première réponse, puis résolution)")


class TicketListItem(msgspec.Struct, kw_only=True):
    """A ticket as a line of the queue."""

    reference: Reference
    category: RequestField.category
    status: Status
    priority: Priority
    channel: Channel
    degre: RequestField.degre
    uai: RequestField.uai
    requester_first_name: RequestField.requester_first_name
    requester_last_name: RequestField.requester_last_name
    requester_email: RequestField.requester_email
    child_first_name: RequestField.child_first_name
    child_last_name: RequestField.child_last_name
    assignee_id: Assignee
    created_at: Created
    sla_due_at: SlaDue
    version: Version
    suggested_category: Suggested
    suggested_confidence: Confidence


class TicketList(msgspec.Struct):
    items: list[TicketListItem]
    next_cursor: Annotated[str | None, Meta(description="La page suivante, null à la fin")]


class TicketOut(msgspec.Struct, kw_only=True):
    """A ticket: the request as it was checked, and how the desk follows it."""

    reference: Reference
    academie: RequestField.academie
    category: RequestField.category
    status: Status
    priority: Priority
    channel: Channel
    degre: RequestField.degre
    uai: RequestField.uai
    etablissement: RequestField.etablissement
    requester_kind: RequestField.requester_kind
    requester_first_name: RequestField.requester_first_name
    requester_last_name: RequestField.requester_last_name
    requester_email: RequestField.requester_email
    requester_phone: RequestField.requester_phone
    child_first_name: RequestField.child_first_name
    child_last_name: RequestField.child_last_name
    child_birth_date_typed: RequestField.child_birth_date
    refused_birth_date_typed: RequestField.refused_birth_date
    child_classe: RequestField.child_classe
    child_ine: RequestField.child_ine
    identifier: RequestField.identifier
    activation_email: RequestField.activation_email
    message: RequestField.message
    assignee_id: Assignee
    version: Version
    created_at: Created
    updated_at: moment("Modifiée le", null=False)
    first_response_at: moment("Première réponse le")
    resolved_at: moment("Résolue le")
    closed_at: moment("Close le")
    sla_due_at: SlaDue
    suggested_category: Suggested
    suggested_confidence: Confidence


class AccountActionOut(msgspec.Struct):
    """An action on an ÉduConnect account, as its history entry recorded it (no secret)."""

    code: text("Le code de l'action")
    account: text("L'identifiant du compte")
    params: dict[str, Any]
    outcome: text("«\u00a0ok\u00a0» ou «\u00a0echec\u00a0»")
    result: dict[str, Any] | None
    error: str | None
    requester_verified: bool | None


class EventOut(msgspec.Struct, kw_only=True):
    """An entry of the ticket's history."""

    kind: text("message, reponse, note, statut, courriel, compte…")
    public: Annotated[bool, Meta(description="Vue du demandeur (true) ou interne")]
    author: text("demandeur, agent ou systeme")
    body: str
    created_at: moment("Inscrite le", null=False)
    account_action: AccountActionOut | UnsetType = UNSET  # only on an account action's entry


class TicketDetail(TicketOut, kw_only=True):
    """A ticket and its history, oldest first."""

    events: list[EventOut]


class AccountActionDone(msgspec.Struct):
    """The history entry of an action on an account (the first one's, for a replayed key)."""

    kind: str
    body: str
    data: dict[str, Any]
    created_at: moment("Faite le", null=False)


@cache  # read for every row of the queue
def field_names(shape: type[msgspec.Struct]) -> tuple[str, ...]:
    return tuple(f.name for f in msgspec.structs.fields(shape))


# The ticket's columns that JSON gets as ISO 8601 text: what the table says is a timestamp.
TIMESTAMPS = frozenset(
    column._meta.name for column in Ticket._meta.columns if isinstance(column, Timestamptz)
)


def iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def shaped(row: dict, shape: type[Shape], **more: Any) -> Shape:
    """A ticket's row (which has every field of the shape) in that shape, dates as text."""
    values = {
        name: iso(row[name]) if name in TIMESTAMPS else row[name]
        for name in field_names(shape)
        if name not in more
    }
    return shape(**values, **more)
