"""Tickets: the requests, their timeline, their follow-up links, their attachments."""

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
    channel = Varchar(length=12, default="web")  # web | api | escalation | mail
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


class Transmission(Table, tablename="transmission"):
    """An agent asks a school for what only it can do; the school answers in its space."""

    ticket = ForeignKey(Ticket, index=True)
    uai = Varchar(length=8, index=True)
    question = Text()
    answer = Text(default="")
    status = Varchar(length=10, default="ouverte")  # ouverte | repondue
    asked_by = Integer(null=True, default=None)
    answered_by = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    answered_at = Timestamptz(null=True, default=None)


class Incident(Table, tablename="incident"):
    """ÉduConnect itself down or in maintenance: a banner for everyone, tickets linked to it."""

    academie = Varchar(length=40, index=True)
    title = Varchar(length=200)
    message = Text()
    status = Varchar(length=10, default="ouvert")  # ouvert | clos
    closing_message = Text(default="")
    opened_by = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    closed_at = Timestamptz(null=True, default=None)
    # a maintenance announced ahead: the banner shows from starts_at until ends_at (if set)
    starts_at = Timestamptz(null=True, default=None)
    ends_at = Timestamptz(null=True, default=None)


class SlaTarget(Table, tablename="sla_target"):
    """A supervisor's targets for a category, in working hours (defaults in tickets/sla.py)."""

    academie = Varchar(length=40, index=True)
    category = Varchar(length=40)
    first_response_hours = Real()
    resolution_hours = Real()


class CannedAnswer(Table, tablename="canned_answer"):
    """Answers the académie's supervisors prepare for frequent cases."""

    academie = Varchar(length=40, index=True)
    title = Varchar(length=200)
    body = Text()
    created_at = Timestamptz(default=TimestamptzNow())


class DeflectionEvent(Table, tablename="deflection_event"):
    """FAQ answers suggested on the form: shown, resolved the problem, or the request went on."""

    form_id = Varchar(length=64, index=True)
    event = Varchar(length=12)  # montre | resolu | envoye
    academie = Varchar(length=40, default="", index=True)
    category = Varchar(length=40, default="")
    slug = Varchar(length=100, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class AccountChange(Table, tablename="account_change"):
    """A change the account service applies overnight (a regenerated identifier, a corrected
    birth date), requested from this ticket: followed until the requester is told it is done."""

    ticket = ForeignKey(Ticket, index=True)
    change_id = Integer()  # the id of the account service's PendingChange
    kind = Varchar(length=40)
    account = Varchar(length=100)
    requested_at = Timestamptz(default=TimestamptzNow())
    told_at = Timestamptz(null=True, default=None, index=True)


class AnomalyTicket(Table, tablename="anomaly_ticket"):
    """A flag raised by a parent in ÉduConnect (guide §5.1: « À traiter ») turned into a ticket:
    one open ticket per account and flag."""

    academie = Varchar(length=40, index=True)
    account = Varchar(length=100)
    flag = Varchar(length=40)
    ticket = ForeignKey(Ticket, index=True)
    created_at = Timestamptz(default=TimestamptzNow())


class LetterDelivery(Table, tablename="letter_delivery"):
    """A letter of « Informer » for the account's school to print and hand over (guide 3.2):
    offered in that school's space, marked handed over by its staff."""

    ticket = ForeignKey(Ticket, index=True)
    attachment = ForeignKey(Attachment)
    uai = Varchar(length=8, index=True)
    account = Varchar(length=100)
    handed_at = Timestamptz(null=True, default=None)
    handed_by = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


TABLES = [
    TicketSequence,
    Ticket,
    TicketEvent,
    FollowToken,
    IdempotencyKey,
    Attachment,
    DeflectionEvent,
    Transmission,
    CannedAnswer,
    Incident,
    SlaTarget,
    AccountChange,
    AnomalyTicket,
    LetterDelivery,
    StoredFile,
]
