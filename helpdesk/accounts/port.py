"""The account-services port (DESIGN.md §5): what the help desk may ask of ÉduConnect.

Two adapters implement it: `LocalDirectory` (the project's own database, behaving like the
account-admin console of seed 004) and `HttpAccountService` (the same over HTTP, against the
account API `/api/accounts/v1` that the project serves from its local directory).

Every value crossing the port is plain data (strings, booleans, lists, dicts): `as_dict()` gives
JSON that the ticket side can record as is, `from_dict()` reads it back, and the HTTP adapter
moves exactly these dicts, so both adapters return equal results.

Secrets: provisional passwords are what the console itself shows while an account is not
activated (guide 3.3, 5.3, 5.5), and what a letter must print. They travel in
`Account.provisional_password`, `Letter.provisional_password` and `ActionResult.secrets`, and
`as_dict()` leaves them out unless `include_secrets=True`: a ticket's timeline never keeps them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from helpdesk.accounts.bulk import BulkResult
    from helpdesk.accounts.school_health import Roster
    from helpdesk.accounts.school_summary import SchoolSummary

# --- Vocabulary (seeds 003 and 004) -------------------------------------------------------

KINDS = ("responsable", "eleve")

# Account states, as the console writes them (guide 3.2, 5.1); codes for URLs and filters.
NON_INFORME = "Non activé - non informé"
INFORME = "Non activé - informé"
EN_COURS = "En cours d'activation"
ACTIVE = "Activé"
STATES: dict[str, str] = {
    "non_active_non_informe": NON_INFORME,
    "non_active_informe": INFORME,
    "en_cours_activation": EN_COURS,
    "active": ACTIVE,
}
STATE_CODES = {label: code for code, label in STATES.items()}

# Origin of the account: how it was activated (guide §6 "Mode d'activation des comptes").
ORIGINS = ("Responsable", "FranceConnect", "Établissement", "ATEN", "ENT", "Non renseigné")

# Flags shown by the console's icons and its "À traiter" filter (guide 3.1, 5.1, 5.5).
FLAGS = (
    "compromis",
    "adresse_mail_en_erreur",
    "date_naissance_signalee_incorrecte",
    "rattachement_signale_errone",
)
FLAG_LABELS = {
    "compromis": "Compte compromis",
    "adresse_mail_en_erreur": "Adresse mail en erreur",
    "date_naissance_signalee_incorrecte": "Date de naissance signalée incorrecte",
    "rattachement_signale_errone": "Rattachement signalé erroné",
}

# A responsable's link with an élève: confirmed on the account, known in the school's base but
# not yet confirmed (guide 5.5 "Élèves dont le lien n'est pas confirmé"), or reported wrong by the
# responsable (« Je ne suis pas le représentant légal de cet élève », guide 5.1 item 8).
LINK_STATUSES = ("confirme", "non_confirme", "signale_errone")
RELATIONS = ("Représentant légal", "Personne en charge")

# Password column of the console (guide 3.5, 5.5): not set, temporary, chosen by the user.
PASSWORD_KINDS = {"": "Non renseigné", "provisoire": "Mot de passe temporaire", "choisi": "Choisi"}

# The actions (DESIGN.md §5): their codes are these names, used by `act()` and the API.
ACTIONS = (
    "correct_birth_date",
    "link_child",
    "unlink_child",
    "merge_accounts",
    "update_email",
    "resend_confirmation_mail",
    "update_mobile",
    "remind_identifier",
    "reset_password",
    "regenerate_identifier",
    "inform",
    "mark_compromised",
    "clear_link_report",
)
ACTION_LABELS = {
    "correct_birth_date": "Corriger la date de naissance",
    "link_child": "Rattacher un élève",
    "unlink_child": "Retirer un élève",
    "merge_accounts": "Ajouter des enfants depuis un autre compte",
    "update_email": "Modifier l'adresse mail",
    "resend_confirmation_mail": "Renvoyer un mail de confirmation",
    "update_mobile": "Modifier le téléphone portable",
    "remind_identifier": "Rappeler l'identifiant",
    "reset_password": "Réinitialiser le mot de passe",
    "regenerate_identifier": "Réinitialiser l'identifiant",
    "inform": "Informer",
    "mark_compromised": "Signaler le compte comme compromis",
    "clear_link_report": "Lever le signalement «\u00a0Je ne suis pas le représentant légal\u00a0»",
}
# What ÉduConnect applies during its night processing (guide §8; FAQ seed 001 §6).
NIGHTLY_ACTIONS = ("regenerate_identifier", "correct_birth_date")

UNAVAILABLE_MESSAGE = "Le service des comptes est indisponible. Réessayez dans quelques minutes."


# --- Errors -------------------------------------------------------------------------------


class AccountError(Exception):
    """A failure the agent can read: `message` in French, `field` names what is wrong."""

    status = 400
    code = "account_error"

    def __init__(self, message: str, field: str = "_"):
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict:
        return {"errors": {self.field: self.message}, "code": self.code}

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and other.message == self.message  # type: ignore[attr-defined]
            and other.field == self.field  # type: ignore[attr-defined]
        )

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.message, self.field))


class AccountNotFound(AccountError):
    """No such account in the caller's scope (another académie's account is "not found")."""

    status = 404
    code = "account_not_found"


class AccountConflict(AccountError):
    """The account is not in a state where this can happen now (a change already pending…)."""

    status = 409
    code = "account_conflict"


class ActionRefused(AccountError):
    """The console's rules forbid this action on this account; `message` says why."""

    status = 422
    code = "action_refused"

    @property
    def reason(self) -> str:
        return self.message


class AccountServiceUnavailable(AccountError):
    """The account service cannot be reached or failed: nothing was changed by this call."""

    status = 503
    code = "account_service_unavailable"

    def __init__(self, message: str = UNAVAILABLE_MESSAGE, field: str = "_", detail: str = ""):
        super().__init__(message, field)
        self.detail = detail  # for the logs, not for people


ERRORS_BY_CODE: dict[str, type[AccountError]] = {
    cls.code: cls
    for cls in (AccountNotFound, AccountConflict, ActionRefused, AccountServiceUnavailable)
}


# --- Scope --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose accounts the caller may see: an académie's (agents), some schools' (establishment
    staff), or every account (`Scope.everywhere()`, for the command line)."""

    academie: str = ""
    uais: tuple[str, ...] = ()

    ALL = "*"

    @classmethod
    def of(cls, value: Scope | str | Iterable[str] | Mapping[str, Any]) -> Scope:
        if isinstance(value, Scope):
            return value
        if isinstance(value, str):
            return cls(academie=value)
        if isinstance(value, Mapping):
            return cls(
                academie=str(value.get("academie") or ""),
                uais=tuple(str(u).upper() for u in value.get("uais") or ()),
            )
        return cls(uais=tuple(str(u).upper() for u in value))

    @classmethod
    def everywhere(cls) -> Scope:
        return cls(academie=cls.ALL)

    @property
    def is_everywhere(self) -> bool:
        return self.academie == self.ALL

    @property
    def is_empty(self) -> bool:
        return not self.academie and not self.uais

    def as_dict(self) -> dict:
        return {"academie": self.academie, "uais": list(self.uais)}


# --- Values -------------------------------------------------------------------------------


class _Data:
    """as_dict / from_dict for the frozen dataclasses below."""

    SECRET_FIELDS: tuple[str, ...] = ()

    def as_dict(self, include_secrets: bool = False) -> dict:
        out = {}
        for f in fields(self):  # type: ignore[arg-type]
            if f.name in self.SECRET_FIELDS and not include_secrets:
                continue
            out[f.name] = _plain(getattr(self, f.name), include_secrets)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]):
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in data.items() if k in names})


def _plain(value: Any, include_secrets: bool) -> Any:
    if isinstance(value, _Data):
        return value.as_dict(include_secrets)
    if isinstance(value, list | tuple):
        return [_plain(v, include_secrets) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v, include_secrets) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Link(_Data):
    """The other end of a responsable–élève link, as shown on the account."""

    identifier: str
    kind: str
    first_name: str
    last_name: str
    uai: str
    status: str  # LINK_STATUSES
    relation: str
    classe: str = ""


@dataclass(frozen=True)
class PendingChange(_Data):
    """A change ÉduConnect applies overnight: "Nouvel identifiant demandé" (guide §8)."""

    id: int
    kind: str  # regenerate_identifier | correct_birth_date
    value: dict
    requested_at: str
    applied_at: str | None = None
    outcome: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Letter(_Data):
    """A "feuille individuelle" of « Informer » (guide 3.2, 5.2), for the ticket side's PDF.

    kind: `mise_a_disposition` (Mise à disposition de votre compte ÉduConnect) or
    `compte_compromis` (Changement de votre mot de passe ÉduConnect).
    """

    SECRET_FIELDS = ("provisional_password",)

    kind: str
    title: str
    identifier: str
    account_kind: str
    first_name: str
    last_name: str
    uai: str
    establishment: str
    state: str
    children: list = field(default_factory=list)  # [{first_name, last_name, classe, relation}]
    provisional_password: str = ""
    has_provisional_password: bool = False
    date: str = ""


@dataclass(frozen=True)
class QueuedMail(_Data):
    """A mail written to the outbox by an action (sent later by the mail worker)."""

    kind: str
    to: str
    subject: str
    outbox_id: int | None = None


@dataclass(frozen=True)
class Account(_Data):
    SECRET_FIELDS = ("provisional_password", "password_display")

    identifier: str
    kind: str  # responsable | eleve
    first_name: str
    last_name: str
    birth_name: str
    state: str  # STATES labels
    state_code: str
    origin: str
    email: str
    email_confirmed: bool
    pending_email: str
    mobile: str
    birth_date: str | None  # élèves, AAAA-MM-JJ, as in the base
    ine: str
    classe: str
    uai: str
    establishment: str
    academie: str
    flags: list = field(default_factory=list)
    links: list = field(default_factory=list)  # [Link]
    pending_changes: list = field(default_factory=list)  # [PendingChange] not yet applied
    password: str = ""  # PASSWORD_KINDS key
    password_reset_pending: bool = False
    provisional_password: str = ""
    # The "Mot de passe" column of the lists (guide 3.3, 5.3): the provisional password while
    # it is the one to use, ***** once the user chose one, "" when there is none yet.
    password_display: str = ""
    last_informed_at: str | None = None
    last_login_at: str | None = None
    mef: str = ""  # élèves (guide 3.1)
    mobile_confirmed: bool = False  # confirmed by an SMS code (guide §2)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Account:
        data = dict(data)
        data["links"] = [Link.from_dict(x) for x in data.get("links") or []]
        data["pending_changes"] = [
            PendingChange.from_dict(x) for x in data.get("pending_changes") or []
        ]
        return super().from_dict(data)

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def has_flag(self, flag: str) -> bool:
        return flag in self.flags

    def link_to(self, identifier: str) -> Link | None:
        return next((link for link in self.links if link.identifier == identifier), None)


@dataclass(frozen=True)
class Page(_Data):
    items: list  # [Account]
    next_cursor: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Page:
        return cls(
            items=[Account.from_dict(x) for x in data.get("items") or []],
            next_cursor=data.get("next_cursor"),
        )


@dataclass(frozen=True)
class ActionResult(_Data):
    """What an action did: the account's fields before and after (only those that changed,
    or that the action is about), the changes left for the night, letters to print, mails
    queued, and a sentence for the agent."""

    SECRET_FIELDS = ("secrets",)

    action: str
    identifier: str  # the account acted on, as named by the caller
    message: str
    changed: bool
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    pending_changes: list = field(default_factory=list)  # [PendingChange]
    letters: list = field(default_factory=list)  # [Letter]
    mails: list = field(default_factory=list)  # [QueuedMail]
    secrets: dict = field(default_factory=dict)  # {"provisional_password": …}
    idempotency_key: str | None = None
    done_at: str = ""
    replayed: bool = False  # True: the stored result of an earlier call with the same key

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ActionResult:
        data = dict(data)
        data["pending_changes"] = [
            PendingChange.from_dict(x) for x in data.get("pending_changes") or []
        ]
        data["letters"] = [Letter.from_dict(x) for x in data.get("letters") or []]
        data["mails"] = [QueuedMail.from_dict(x) for x in data.get("mails") or []]
        return super().from_dict(data)


@dataclass(frozen=True)
class AccountQuery(_Data):
    """A search, as the console's filters (guide 3.1, 5.1), always within a scope.

    `q` is the console's free field: names of the account or of a child (from 1 character),
    identifier, mail, mobile, INE, UAI; every word must match. The other fields narrow it.
    """

    scope: Scope = field(default_factory=Scope)
    q: str = ""
    identifier: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    mobile: str = ""
    child_first_name: str = ""
    child_last_name: str = ""
    ine: str = ""
    uai: str = ""
    state: str = ""  # a label or a code of STATES
    flag: str = ""  # one of FLAGS
    kind: str = ""  # responsable | eleve
    cursor: str = ""
    limit: int = 50

    MAX_LIMIT = 200

    def __post_init__(self) -> None:
        object.__setattr__(self, "scope", Scope.of(self.scope))

    def as_dict(self, include_secrets: bool = False) -> dict:
        out = super().as_dict(include_secrets)
        out["scope"] = self.scope.as_dict()
        return out


# --- The port -----------------------------------------------------------------------------


@runtime_checkable
class AccountService(Protocol):
    """search, get, and one method per action (each also reachable through `act`)."""

    async def search(self, query: AccountQuery) -> Page: ...

    async def get(self, identifier: str, scope: Scope | str) -> Account: ...

    async def pending_changes(self, ids: Sequence[int]) -> list[PendingChange]:
        """The overnight changes of these ids, applied or not (unknown ids are left out): how
        the help desk learns that the night processing has run, to tell the requester."""
        ...

    async def school_roster(self, uai: str, scope: Scope | str, kind: str = "") -> Roster:
        """A school's élèves and the responsables of its élèves (only one `kind` if given),
        with what the console's dashboard and lists show (guide §2, 3.1, 5.1);
        AccountNotFound outside the scope."""
        ...

    async def school_summary(self, uai: str, scope: Scope | str, since: dt.date) -> SchoolSummary:
        """A school's accounts (those of `school_roster`) counted by the dashboard's tests
        (guide §2), `connected` meaning a connection on or after `since`; AccountNotFound
        outside the scope."""
        ...

    async def act(
        self,
        action: str,
        identifier: str,
        params: Mapping[str, Any] | None = None,
        *,
        scope: Scope | str,
        idempotency_key: str | None = None,
    ) -> ActionResult: ...

    async def activation_stats(self, scope: Scope | str) -> list[dict]:
        """Accounts counted by school, kind, state (code), MEF and class within the scope
        (guide §6): [{uai, name, kind, state_code, mef, classe, count}]."""
        ...

    async def activation_timeline(self, scope: Scope | str, since: dt.date) -> list[dict]:
        """Accounts counted by school, kind and month of activation (Paris time) within the
        scope, counted as `activation_stats` counts them (guide §6, over time):
        [{uai, kind, activated, month, count}], `month` « AAAA-MM » from `since`'s month to
        this one, "" for the accounts activated before `since` and those not activated."""
        ...

    async def act_many(
        self,
        action: str,
        identifiers: Sequence[str],
        params: Mapping[str, Any] | None = None,
        *,
        scope: Scope | str,
        idempotency_key: str | None = None,
        params_of: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> BulkResult:
        """« Informer » or « Réinitialiser les mots de passe » for many accounts (at most
        500): each by the single-account rules; those refused are listed with the reason."""
        ...

    async def correct_birth_date(
        self, identifier, params, *, scope, idempotency_key=None
    ) -> ActionResult: ...
    async def link_child(
        self, identifier, params, *, scope, idempotency_key=None
    ) -> ActionResult: ...
    async def unlink_child(
        self, identifier, params, *, scope, idempotency_key=None
    ) -> ActionResult: ...
    async def merge_accounts(
        self, identifier, params, *, scope, idempotency_key=None
    ) -> ActionResult: ...
    async def update_email(
        self, identifier, params, *, scope, idempotency_key=None
    ) -> ActionResult: ...
    async def resend_confirmation_mail(
        self, identifier, params, *, scope, idempotency_key=None
    ) -> ActionResult: ...
    async def update_mobile(
        self, identifier, params, *, scope, idempotency_key=None
    ) -> ActionResult: ...
    async def remind_identifier(
        self, identifier, params, *, scope, idempotency_key=None
    ) -> ActionResult: ...
    async def reset_password(
        self, identifier, params, *, scope, idempotency_key=None
    ) -> ActionResult: ...
    async def regenerate_identifier(
        self, identifier, params, *, scope, idempotency_key=None
    ) -> ActionResult: ...
    async def inform(self, identifier, params, *, scope, idempotency_key=None) -> ActionResult:
        """params: `mode` ("courrier" or "mail"), `reset_password` (bool), `links` ({"page",
        "ent"}: the internet addresses the mail gives, guide §7; helpdesk/accounts/web_addresses.py)."""
        ...

    async def mark_compromised(
        self, identifier, params, *, scope, idempotency_key=None
    ) -> ActionResult: ...


class NamedActions:
    """The named action methods of the port, each a call of `self.act(code, …)`."""

    async def act(self, action, identifier, params=None, *, scope, idempotency_key=None):
        raise NotImplementedError

    async def correct_birth_date(self, identifier, params=None, *, scope, idempotency_key=None):
        return await self.act(
            "correct_birth_date", identifier, params, scope=scope, idempotency_key=idempotency_key
        )

    async def link_child(self, identifier, params=None, *, scope, idempotency_key=None):
        return await self.act(
            "link_child", identifier, params, scope=scope, idempotency_key=idempotency_key
        )

    async def unlink_child(self, identifier, params=None, *, scope, idempotency_key=None):
        return await self.act(
            "unlink_child", identifier, params, scope=scope, idempotency_key=idempotency_key
        )

    async def merge_accounts(self, identifier, params=None, *, scope, idempotency_key=None):
        return await self.act(
            "merge_accounts", identifier, params, scope=scope, idempotency_key=idempotency_key
        )

    async def update_email(self, identifier, params=None, *, scope, idempotency_key=None):
        return await self.act(
            "update_email", identifier, params, scope=scope, idempotency_key=idempotency_key
        )

    async def resend_confirmation_mail(
        self, identifier, params=None, *, scope, idempotency_key=None
    ):
        return await self.act(
            "resend_confirmation_mail",
            identifier,
            params,
            scope=scope,
            idempotency_key=idempotency_key,
        )

    async def update_mobile(self, identifier, params=None, *, scope, idempotency_key=None):
        return await self.act(
            "update_mobile", identifier, params, scope=scope, idempotency_key=idempotency_key
        )

    async def remind_identifier(self, identifier, params=None, *, scope, idempotency_key=None):
        return await self.act(
            "remind_identifier", identifier, params, scope=scope, idempotency_key=idempotency_key
        )

    async def reset_password(self, identifier, params=None, *, scope, idempotency_key=None):
        return await self.act(
            "reset_password", identifier, params, scope=scope, idempotency_key=idempotency_key
        )

    async def regenerate_identifier(self, identifier, params=None, *, scope, idempotency_key=None):
        return await self.act(
            "regenerate_identifier",
            identifier,
            params,
            scope=scope,
            idempotency_key=idempotency_key,
        )

    async def inform(self, identifier, params=None, *, scope, idempotency_key=None):
        return await self.act(
            "inform", identifier, params, scope=scope, idempotency_key=idempotency_key
        )

    async def mark_compromised(self, identifier, params=None, *, scope, idempotency_key=None):
        return await self.act(
            "mark_compromised", identifier, params, scope=scope, idempotency_key=idempotency_key
        )
