"""The schools' tables: their own settings (guide §7, « Paramètres »), the questions agents
transmit to them, the letters they hand over to families.

`transmission` and `letter_delivery` were made by the tickets app's first migrations, moved here
by a migration that changes nothing in the database (piccolo_migrations/: `fake`)."""

from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from helpdesk.tickets.tables import Attachment, Ticket


class LetterAddress(Table, tablename="letter_address"):
    """The internet addresses printed in letters: one row per académie (uai empty), and one per
    school that overrides it. An empty address means « as above » (the académie, then defaults)."""

    academie = Varchar(length=40, index=True)
    uai = Varchar(length=10, default="", index=True)
    page = Varchar(length=300, default="")  # for responsables, beside Scolarité Services
    ent = Varchar(length=300, default="")  # for pupils: the ENT
    updated_by = Integer(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


class LetterBatch(Table, tablename="letter_batch"):
    """The document of an action on many accounts (« Informer » by letter: a page per account;
    « Réinitialiser »: the list of provisional passwords), for the school to hand over to each
    family and mark, as `letter_delivery` for the letter of one account."""

    uai = Varchar(length=8, index=True)
    academie = Varchar(length=40)
    action = Varchar(length=20)  # inform | reset_password
    document = Varchar(length=32)  # the PDF's name among the school's files (bulk.FOLDER)
    request_key = Varchar(length=120, index=True)  # the same request again: the same batch
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class LetterBatchAccount(Table, tablename="letter_batch_account"):
    """An account of a batch: handed over (when, by whom) or not yet."""

    batch = ForeignKey(LetterBatch, index=True)
    account = Varchar(length=100, index=True)
    name = Varchar(length=200, default="")  # first and last names, as the document prints them
    handed_at = Timestamptz(null=True, default=None)
    handed_by = Integer(null=True, default=None)


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


TABLES = [LetterAddress, LetterBatch, LetterBatchAccount, Transmission, LetterDelivery]
