"""The local account directory: what ÉduConnect knows of responsables and élèves.

Reached only through `helpdesk.accounts.local.LocalDirectory` (the port's default adapter).
"""

from piccolo.columns import JSON, Boolean, Date, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class DirectoryEstablishment(Table, tablename="directory_establishment"):
    """A school or establishment, as imported from the national directory (UAI)."""

    uai = Varchar(length=8, unique=True)
    name = Varchar(length=200)
    commune = Varchar(length=100, default="")
    academie = Varchar(length=40, index=True)
    degre = Varchar(length=3, default="2nd")
    # « la date de dernière mise à jour de son établissement dans ÉduConnect à partir des
    # données de SIECLE » (guide 1.2, §2): set by each import of the school's base.
    directory_updated_at = Timestamptz(null=True, default=None)


class DirectoryAccount(Table, tablename="directory_account"):
    identifier = Varchar(length=100, unique=True)
    kind = Varchar(length=12)  # responsable | eleve
    first_name = Varchar(length=100)
    last_name = Varchar(length=100)  # nom d'usage
    birth_name = Varchar(length=100)  # nom de famille (de naissance): the identifier's base
    first_folded = Varchar(length=100, default="")
    last_folded = Varchar(length=100, default="")
    birth_date = Date(null=True, default=None)  # élèves: as in the school's base
    ine = Varchar(length=11, default="")
    classe = Varchar(length=40, default="")
    mef = Varchar(length=60, default="")  # élèves: the MEF (« 6EME », « 2NDE GT »…), guide 3.1
    uai = Varchar(length=8, default="")  # élève: the school; responsable: the one that created it
    state = Varchar(length=40)
    origin = Varchar(length=20, default="Non renseigné")
    email = Varchar(length=320, default="")
    email_confirmed = Boolean(default=False)
    pending_email = Varchar(length=320, default="")  # a change waiting for its confirmation
    mobile = Varchar(length=10, default="")
    # The mobile confirmed by an SMS code (auto-inscription, or later in « Mes informations »):
    # a key figure of the console's dashboard (guide §2).
    mobile_confirmed = Boolean(default=False)
    password_kind = Varchar(length=12, default="")  # "" | provisoire | choisi
    # Shown by the console until the user chooses a password (guide 3.3, 5.3): kept in clear
    # only while it is provisional; chosen passwords are stored hashed (argon2id).
    provisional_password = Varchar(length=20, default="")
    password_hash = Varchar(length=200, default="")
    password_reset_pending = Boolean(default=False)
    compromis = Boolean(default=False)
    adresse_mail_en_erreur = Boolean(default=False)
    date_naissance_signalee_incorrecte = Boolean(default=False)
    rattachement_signale_errone = Boolean(default=False)
    search_text = Text(default="")  # folded names (and children's), identifier, mail, mobile…
    last_informed_at = Timestamptz(null=True, default=None)
    last_login_at = Timestamptz(null=True, default=None)
    activated_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class DirectoryLink(Table, tablename="directory_link"):
    """A responsable of an élève, as the élève's school records it (SIECLE)."""

    responsable = ForeignKey(DirectoryAccount, index=True)
    eleve = ForeignKey(DirectoryAccount, index=True)
    relation = Varchar(length=40, default="Représentant légal")
    status = Varchar(length=20, default="non_confirme")  # confirme | non_confirme | signale_errone
    # The responsable's names as this school has them: regenerating an identifier needs them
    # identical in every school (guide §8).
    responsable_first_name = Varchar(length=100, default="")
    responsable_last_name = Varchar(length=100, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class DirectoryPlace(Table, tablename="directory_place"):
    """The schools an account is tied to (its own, its children's): what scopes an agent."""

    account = ForeignKey(DirectoryAccount)
    uai = Varchar(length=8)
    academie = Varchar(length=40)


class DirectoryRetiredIdentifier(Table, tablename="directory_retired_identifier"):
    """« l'ancien identifiant ne pourra plus être utilisé » (guide §8): never given again."""

    identifier = Varchar(length=100, unique=True)
    account = ForeignKey(DirectoryAccount, index=True)
    retired_at = Timestamptz(default=TimestamptzNow())


class DirectoryPendingChange(Table, tablename="directory_pending_change"):
    """What the night processing applies: a new identifier, a corrected birth date."""

    account = ForeignKey(DirectoryAccount, index=True)
    kind = Varchar(length=30)
    value = JSON(default="{}")
    requested_at = Timestamptz(default=TimestamptzNow())
    applied_at = Timestamptz(null=True, default=None)
    outcome = JSON(default="{}")


class DirectoryMailConfirmation(Table, tablename="directory_mail_confirmation"):
    """A confirmation link sent to an address: the token is stored hashed."""

    account = ForeignKey(DirectoryAccount, index=True)
    email = Varchar(length=320)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class DirectoryAction(Table, tablename="directory_action"):
    """Every action done on the directory, with its result; the idempotency keys' store."""

    idempotency_key = Varchar(length=200, null=True, default=None, unique=True)
    fingerprint = Varchar(length=64, default="")
    action = Varchar(length=40)
    identifier = Varchar(length=100)
    result = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow())


TABLES = [
    DirectoryEstablishment,
    DirectoryAccount,
    DirectoryLink,
    DirectoryPlace,
    DirectoryRetiredIdentifier,
    DirectoryPendingChange,
    DirectoryMailConfirmation,
    DirectoryAction,
]
