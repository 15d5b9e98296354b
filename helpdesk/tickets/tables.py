"""Tickets: the requests, their timeline, their follow-up links, their attachments, the
académies' targets (SLA) their deadlines are computed from.

The desk's tables (helpdesk/desk/tables.py) and the schools' (transmissions, letters to hand
over: helpdesk/establishments/tables.py) were made by this app's first migrations; they moved
to their domain's app by migrations that only record the move (see those apps' first
migration), the tables themselves unchanged."""

from piccolo.columns import (
    JSON,
    Boolean,
    Bytea,
    Date,
    ForeignKey,
    Integer,
    Real,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

STATUSES = ("nouveau", "en_cours", "en_attente", "resolu", "clos", "spam")
OPEN_STATUSES = ("nouveau", "en_cours", "en_attente", "resolu")


class TicketSequence(Table, tablename="ticket_sequence"):
    """The last number given per académie and year: OT-2026-000123."""

    academie = Varchar(length=40)
    year = Integer()
    last_number = Integer(default=0)


class Ticket(Table, tablename="ticket"):
    reference = Varchar(length=40, unique=True)
    academie = Varchar(length=40, index=True)
    category = Varchar(length=40)
    status = Varchar(length=12, default="nouveau")
    priority = Varchar(length=12, default="normale")
    channel = Varchar(length=12, default="web")  # web | api | escalation | courriel | annuaire
    degre = Varchar(length=3, default="")
    uai = Varchar(length=8, default="")
    etablissement = Varchar(length=200, default="")
    requester_kind = Varchar(length=20, default="parent")  # parent | eleve | etablissement
    requester_first_name = Varchar(length=100)
    requester_last_name = Varchar(length=100)
    requester_email = Varchar(length=320, index=True)
    requester_phone = Varchar(length=20, default="")
    child_first_name = Varchar(length=100, default="")
    child_last_name = Varchar(length=100, default="")
    child_birth_date_typed = Varchar(length=20, default="")
    child_birth_date = Date(null=True, default=None)
    refused_birth_date_typed = Varchar(length=20, default="")
    refused_birth_date = Date(null=True, default=None)
    child_classe = Varchar(length=40, default="")
    child_ine = Varchar(length=11, default="")
    identifier = Varchar(length=100, default="")
    activation_email = Varchar(length=320, default="")
    message = Text()
    details = JSON(default="{}")
    parent_ticket = ForeignKey("self", null=True, default=None)
    assignee_id = Integer(null=True, default=None, index=True)
    incident_id = Integer(null=True, default=None, index=True)
    version = Integer(default=1)  # raised by every change: a stale page is detected
    suggested_category = Varchar(length=40, default="")  # what the text says, by the triage
    suggested_confidence = Real(default=0.0)
    search_text = Text(default="")  # folded words of the reference, names, mail, messages
    first_response_due_at = Timestamptz(null=True, default=None)
    resolution_due_at = Timestamptz(null=True, default=None)
    sla_due_at = Timestamptz(null=True, default=None)  # the next target: queue sort and overdue
    sla_paused_at = Timestamptz(null=True, default=None)  # while waiting for the requester
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    first_response_at = Timestamptz(null=True, default=None)
    resolved_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)


class TicketEvent(Table, tablename="ticket_event"):
    """The timeline, append-only: messages, replies, notes, status changes, mails."""

    ticket = ForeignKey(Ticket, index=True)
    kind = Varchar(length=30)  # message | reponse | note | statut | courriel | lien | piece
    public = Boolean(default=True)
    author = Varchar(length=20, default="demandeur")  # demandeur | agent | systeme
    body = Text(default="")
    data = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow())


class FollowToken(Table, tablename="follow_token"):
    """A private follow-up link: only the SHA-256 of its random token is kept."""

    ticket = ForeignKey(Ticket, index=True)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())


class IdempotencyKey(Table, tablename="idempotency_key"):
    """A retried submission (double click, network retry) returns the first ticket."""

    key_hash = Varchar(length=64, unique=True)
    body_hash = Varchar(length=64)
    ticket = ForeignKey(Ticket)
    created_at = Timestamptz(default=TimestamptzNow())


class Attachment(Table, tablename="attachment"):
    ticket = ForeignKey(Ticket, index=True)
    event = ForeignKey(TicketEvent, null=True, default=None)
    filename = Varchar(length=200)
    content_type = Varchar(length=40)
    size = Integer()
    storage_name = Varchar(length=80)
    created_at = Timestamptz(default=TimestamptzNow())


class StoredFile(Table, tablename="stored_file"):
    """A file's bytes, when PostgreSQL is the database: any host serves any file. With SQLite
    they stay in the data folder (helpdesk/tickets/attachments.py)."""

    name = Varchar(length=120, unique=True)  # folder/name, as on disk
    data = Bytea()
    created_at = Timestamptz(default=TimestamptzNow())


class SlaTarget(Table, tablename="sla_target"):
    """A supervisor's targets for a category, in working hours (defaults in tickets/sla.py)."""

    academie = Varchar(length=40, index=True)
    category = Varchar(length=40)
    first_response_hours = Real()
    resolution_hours = Real()


class DeflectionEvent(Table, tablename="deflection_event"):
    """FAQ answers suggested on the form: shown, resolved the problem, or the request went on."""

    form_id = Varchar(length=64, index=True)
    event = Varchar(length=12)  # montre | resolu | envoye
    academie = Varchar(length=40, default="", index=True)
    category = Varchar(length=40, default="")
    slug = Varchar(length=100, default="")
    created_at = Timestamptz(default=TimestamptzNow())


TABLES = [
    TicketSequence,
    Ticket,
    TicketEvent,
    FollowToken,
    IdempotencyKey,
    Attachment,
    DeflectionEvent,
    SlaTarget,
    StoredFile,
]
