"""Searching the local directory as the console's free field and filters do (guide 3.1, 5.1):
the words an account is found by, the conditions of a query, the cursor of the next page."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from helpdesk.accounts.port import FLAGS, KINDS, STATES, AccountQuery, ActionRefused
from helpdesk.accounts.rules import fold, letters_only, normalise_identifier
from helpdesk.accounts.tables import DirectoryAccount, DirectoryLink, DirectoryPlace


def search_text(row: Mapping[str, Any], children: Iterable[Mapping[str, Any]] = ()) -> str:
    """The words a search matches: the console searches « le nom et/ou le prénom de l'élève ou du
    responsable », the identifier, the INE (guide 3.1, 5.1); mail and mobile for the help desk."""
    names = [row["first_name"], row["last_name"], row["birth_name"]]
    for child in children:
        names += [child["first_name"], child["last_name"]]
    parts = [fold(n) for n in names] + [letters_only(n) for n in names]
    parts += [
        row["identifier"],
        row["email"],
        row.get("pending_email", ""),
        row["mobile"],
        (row["ine"] or "").lower(),
        (row["uai"] or "").lower(),
    ]
    return " " + " ".join(p for p in parts if p) + " "


def search_terms(q: str) -> list[str]:
    compact = re.sub(r"[\s.()-]", "", q or "")
    if re.fullmatch(r"(?:\+33|0033|0)[67]\d{8}", compact):
        return ["0" + compact[-9:]]
    return [t.replace("%", "") for t in re.findall(r"[^\s,;]+", fold(q or "")) if t.strip("%")]


def search_conditions(query: AccountQuery) -> list:
    """The conditions of `query` on DirectoryAccount (its scope apart)."""
    return [
        *(DirectoryAccount.search_text.like(f"%{term}%") for term in search_terms(query.q)),
        *_field_conditions(query),
        *_child_conditions(query),
        *_filter_conditions(query),
    ]


def _field_conditions(query: AccountQuery) -> list:
    conditions = []
    if query.identifier:
        conditions.append(DirectoryAccount.identifier == normalise_identifier(query.identifier))
    if query.first_name:
        conditions.append(DirectoryAccount.first_folded.like(f"%{fold(query.first_name)}%"))
    if query.last_name:
        conditions.append(DirectoryAccount.last_folded.like(f"%{fold(query.last_name)}%"))
    if query.email:
        email = query.email.strip().lower()
        conditions.append(
            DirectoryAccount.email.like(f"%{email}%")
            | DirectoryAccount.pending_email.like(f"%{email}%")
        )
    if query.mobile:
        digits = re.sub(r"\D", "", query.mobile)
        if digits.startswith("33"):
            digits = "0" + digits[2:]
        conditions.append(DirectoryAccount.mobile.like(f"%{digits}%"))
    if query.ine:
        conditions.append(DirectoryAccount.ine == query.ine.strip().upper())
    return conditions


def _child_conditions(query: AccountQuery) -> list:
    """The responsables of an élève of these names."""
    child = []
    if query.child_first_name:
        child.append(DirectoryAccount.first_folded.like(f"%{fold(query.child_first_name)}%"))
    if query.child_last_name:
        child.append(DirectoryAccount.last_folded.like(f"%{fold(query.child_last_name)}%"))
    if not child:
        return []
    eleves = DirectoryAccount.select(DirectoryAccount.id).where(*child)
    return [
        DirectoryAccount.id.is_in(
            DirectoryLink.select(DirectoryLink.responsable).where(DirectoryLink.eleve.is_in(eleves))
        )
    ]


def _filter_conditions(query: AccountQuery) -> list:
    """The console's filters: school, state, flag (« À traiter »), kind of account."""
    conditions = []
    if query.uai:
        conditions.append(
            DirectoryAccount.id.is_in(
                DirectoryPlace.select(DirectoryPlace.account).where(
                    DirectoryPlace.uai == query.uai.strip().upper()
                )
            )
        )
    if query.state:
        label = STATES.get(query.state, query.state)
        if label not in STATES.values():
            raise ActionRefused(
                "État inconnu\u00a0: " + ", ".join(STATES) + " (ou leurs libellés).", "state"
            )
        conditions.append(DirectoryAccount.state == label)
    if query.flag:
        if query.flag not in FLAGS:
            raise ActionRefused("Indicateur inconnu\u00a0: " + ", ".join(FLAGS) + ".", "flag")
        conditions.append(getattr(DirectoryAccount, query.flag) == True)  # noqa: E712
    if query.kind:
        if query.kind not in KINDS:
            raise ActionRefused("Type de compte inconnu\u00a0: responsable ou eleve.", "kind")
        conditions.append(DirectoryAccount.kind == query.kind)
    return conditions


# --- pages: the order is (last name, first name, id), the cursor the last row's ----------------


def encode_cursor(last: str, first: str, row_id: int) -> str:
    raw = json.dumps([last, first, row_id], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        last, first, row_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(last, str) or not isinstance(first, str) or not isinstance(row_id, int):
            raise ValueError
        return last, first, row_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ActionRefused("Curseur invalide\u00a0: relancez la recherche.", "cursor") from None


def after_cursor(cursor: str):
    """The accounts that come after the cursor's, in the order of the lists."""
    last, first, last_id = decode_cursor(cursor)
    return (
        (DirectoryAccount.last_folded > last)
        | ((DirectoryAccount.last_folded == last) & (DirectoryAccount.first_folded > first))
        | (
            (DirectoryAccount.last_folded == last)
            & (DirectoryAccount.first_folded == first)
            & (DirectoryAccount.id > last_id)
        )
    )
