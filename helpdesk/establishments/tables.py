"""The schools' own settings (guide §7, « Paramètres »)."""

from piccolo.columns import Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class LetterAddress(Table, tablename="letter_address"):
    """The internet addresses printed in letters: one row per académie (uai empty), and one per
    school that overrides it. An empty address means « as above » (the académie, then defaults)."""

    academie = Varchar(length=40, index=True)
    uai = Varchar(length=10, default="", index=True)
    page = Varchar(length=300, default="")  # for responsables, beside Scolarité Services
    ent = Varchar(length=300, default="")  # for pupils: the ENT
    updated_by = Integer(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


TABLES = [LetterAddress]
