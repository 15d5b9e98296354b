"""The desk's tables: incidents, canned answers, the directory's flags turned into tickets,
the overnight changes followed from a ticket.

Made by the tickets app's first migrations, moved here by a migration that changes nothing in
the database (piccolo_migrations/: `fake`, the tables already exist on every database)."""

from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from helpdesk.tickets.tables import Ticket


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


class CannedAnswer(Table, tablename="canned_answer"):
    """Answers the académie's supervisors prepare for frequent cases."""

    academie = Varchar(length=40, index=True)
    title = Varchar(length=200)
    body = Text()
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


TABLES = [CannedAnswer, Incident, AccountChange, AnomalyTicket]
