"""The values that cross the port (DESIGN.md §5): plain data, `as_dict()` gives JSON that the
ticket side can record as is, `from_dict()` reads it back, and the HTTP adapter moves exactly
these dicts, so both adapters return equal results.

Secrets: provisional passwords are what the console itself shows while an account is not
activated (guide 3.3, 5.3, 5.5), and what a letter must print. They travel in
`Account.provisional_password`, `Letter.provisional_password` and `ActionResult.secrets`, and
`as_dict()` leaves them out unless `include_secrets=True`: a ticket's timeline never keeps them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

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
