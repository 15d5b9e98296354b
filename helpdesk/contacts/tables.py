"""What a supervisor changes in the académie's contact card (over content/academies.toml)."""

from piccolo.columns import Varchar
from piccolo.table import Table


class ContactOverride(Table, tablename="contact_override"):
    academie = Varchar(length=40)
    audience = Varchar(length=20)  # premier_degre | second_degre | etablissements
    formulaire = Varchar(length=300, default="")
    telephone = Varchar(length=40, default="")
    courriel = Varchar(length=320, default="")
    consigne = Varchar(length=500, default="")


TABLES = [ContactOverride]
