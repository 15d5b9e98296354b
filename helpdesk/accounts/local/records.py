"""What a bulk import gives the local directory (the schools' bases; the demo and the tests):
accounts and links as records, and the columns of a new account."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from helpdesk.accounts.local.search import search_text
from helpdesk.accounts.port import ACTIVE, EN_COURS, FLAGS, INFORME, NON_INFORME
from helpdesk.accounts.rules import fold, provisional_password


@dataclass
class AccountRecord:
    """An account of a bulk import (`LocalDirectory.import_records`)."""

    key: Any
    kind: str
    first_name: str
    last_name: str
    uai: str
    birth_name: str = ""
    state: str = NON_INFORME
    origin: str = ""
    email: str = ""
    email_confirmed: bool | None = None
    pending_email: str = ""
    mobile: str = ""
    birth_date: dt.date | str | None = None
    ine: str = ""
    classe: str = ""
    mef: str = ""
    mobile_confirmed: bool = False
    flags: Iterable[str] = ()
    password: str = ""  # chosen password (hashed); none given: a password nobody knows
    provisional: str = ""  # "Non activé - informé": given, or generated
    password_kind: str | None = None  # None: follows the state
    last_informed_at: dt.datetime | None = None
    last_login_at: dt.datetime | None = None
    identifier: str = ""
    activated_at: dt.datetime | None = None  # activated accounts: by default, last_login_at

    def values(self, identifier: str, children: Iterable[AccountRecord] = ()) -> dict:
        values = account_values(
            kind=self.kind,
            identifier=identifier,
            first_name=self.first_name,
            last_name=self.last_name,
            birth_name=self.birth_name or self.last_name,
            state=self.state,
            origin=self.origin,
            email=self.email,
            email_confirmed=self.email_confirmed,
            mobile=self.mobile,
            birth_date=self.birth_date,
            ine=self.ine,
            classe=self.classe,
            uai=self.uai,
            flags=self.flags,
        )
        kind = self.password_kind
        if kind is None:
            kind = {INFORME: "provisoire", EN_COURS: "choisi", ACTIVE: "choisi"}.get(self.state, "")
        values.update(
            mef=self.mef,
            mobile_confirmed=self.mobile_confirmed and bool(self.mobile),
            pending_email=self.pending_email.lower(),
            password_kind=kind,
            provisional_password=(self.provisional or provisional_password())
            if kind == "provisoire"
            else "",
            password_hash=(hash_of(self.password) if self.password else unknown_password_hash())
            if kind == "choisi"
            else "",
            last_informed_at=self.last_informed_at,
            last_login_at=self.last_login_at,
            activated_at=self.activated_at or self.last_login_at if self.state == ACTIVE else None,
        )
        values["search_text"] = search_text(
            values, [{"first_name": c.first_name, "last_name": c.last_name} for c in children]
        )
        return values


@dataclass
class LinkRecord:
    """A responsable–élève link of a bulk import, between two records' keys."""

    responsable: Any
    eleve: Any
    relation: str = "Représentant légal"
    status: str = "confirme"
    names: tuple[str, str] | None = None  # the responsable's names at the élève's school


def hash_of(password: str) -> str:
    from helpdesk.auth.passwords import hash_password

    return hash_password(password)


@functools.lru_cache(maxsize=1)
def unknown_password_hash() -> str:
    """The hash of a password nobody knows: accounts imported as activated (demo, tests)."""
    return hash_of(secrets.token_urlsafe(16))


def account_values(
    *,
    kind: str,
    identifier: str,
    first_name: str,
    last_name: str,
    birth_name: str,
    state: str,
    origin: str = "",
    email: str = "",
    email_confirmed: bool | None = None,
    mobile: str = "",
    birth_date: str | dt.date | None = None,
    ine: str = "",
    classe: str = "",
    uai: str = "",
    flags: Iterable[str] = (),
) -> dict:
    if isinstance(birth_date, str):
        birth_date = dt.date.fromisoformat(birth_date)
    flags = set(flags)
    unknown = flags - set(FLAGS)
    if unknown:
        raise ValueError(f"unknown flags: {unknown}")
    if not origin:
        # Guide §6: "N/A" (Non renseigné) while the account is not activated.
        origin = "Établissement" if state in (EN_COURS, ACTIVE) else "Non renseigné"
    if email_confirmed is None:
        email_confirmed = bool(email) and state == ACTIVE
    return {
        "identifier": identifier,
        "kind": kind,
        "first_name": first_name,
        "last_name": last_name,
        "birth_name": birth_name,
        "first_folded": fold(first_name),
        "last_folded": fold(last_name),
        "birth_date": birth_date,
        "ine": ine.upper(),
        "classe": classe,
        "uai": uai.upper(),
        "state": state,
        "origin": origin,
        "email": email.lower(),
        "email_confirmed": email_confirmed,
        "mobile": mobile,
        **{flag: flag in flags for flag in FLAGS},
    }
