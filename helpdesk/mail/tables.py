"""The outbox: a mail is a row written in the same transaction as the change that causes it."""

from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class OutboxMail(Table, tablename="outbox_mail"):
    recipient = Varchar(length=320)
    subject = Varchar(length=300)
    text_body = Text()
    html_body = Text()
    message_id = Varchar(length=200, unique=True)  # kept so that a retry is the same message
    status = Varchar(length=12, default="pending")  # pending | sending | sent | failed
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow())
    lease_until = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    ticket_reference = Varchar(length=40, default="", index=True)
    kind = Varchar(length=40, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)


TABLES = [OutboxMail]
