"""Mail in: what came in (idempotency by Message-ID), what could not be read (quarantine), and
the requesters' addresses that bounced."""

from piccolo.columns import Bytea, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class ReceivedMail(Table, tablename="received_mail"):
    """One row per Message-ID handled: the same mail delivered twice is stored once."""

    message_id = Varchar(length=250, unique=True)
    sender = Varchar(length=320, default="")
    outcome = Varchar(length=20)  # reponse | nouvelle | rebond | automatique | refuse | quarantaine
    ticket_reference = Varchar(length=40, default="", index=True)
    received_at = Timestamptz(default=TimestamptzNow())


class QuarantinedMail(Table, tablename="quarantined_mail"):
    """A mail that could not be read or placed, kept whole with the reason, for the admins."""

    raw = Bytea()
    size = Integer(default=0)
    reason = Text()
    sender = Varchar(length=320, default="")
    recipients = Text(default="")
    subject = Varchar(length=300, default="")
    received_at = Timestamptz(default=TimestamptzNow())


class AddressBounce(Table, tablename="address_bounce"):
    """« Adresse du demandeur en erreur »: a delivery failure of a mail to a ticket's requester."""

    ticket_id = Integer(index=True)
    ticket_reference = Varchar(length=40, default="")
    address = Varchar(length=320, default="")
    reason = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


TABLES = [ReceivedMail, QuarantinedMail, AddressBounce]
