"""FAQ votes: one row per "Cette réponse vous a-t-elle aidé ?" answer (append-only, no lock)."""

from piccolo.columns import Boolean, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class FaqVote(Table, tablename="faq_vote"):
    slug = Varchar(length=100, index=True)
    helpful = Boolean()
    created_at = Timestamptz(default=TimestamptzNow())


TABLES = [FaqVote]
