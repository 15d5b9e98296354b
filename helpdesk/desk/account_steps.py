"""The two steps of an account action from the ticket page: check and show what will change
(today's value → the new one, refused at once when impossible), then do it once."""

from __future__ import annotations

import datetime as dt
import uuid

from helpdesk.accounts.port import ACTION_LABELS, Account, AccountError
from helpdesk.accounts.rules import (
    check_birth_date,
    check_email,
    format_mobile,
    fr_date,
    normalise_mobile,
)
from helpdesk.auth.service import Staff
from helpdesk.desk import account_panel, agent
from helpdesk.desk.staff_words import LINK_STATUS_WORDS

# How each parameter reads on the confirmation step.
NAMES = {
    "birth_date": "Date de naissance",
    "email": "Adresse mail",
    "mobile": "Téléphone portable",
    "eleve": "Élève",
    "from": "Compte dont les enfants sont repris",
    "mode": "Par",
    "reset_password": "Nouveau mot de passe provisoire",
    "reason": "Motif",
}


def today_value(account: Account, name: str, value: str) -> str:
    """What the account has now for this parameter ("" when it has no such thing)."""
    if name == "birth_date":
        return fr_date(account.birth_date) if account.birth_date else "non renseignée"
    if name == "email":
        return account.email or "aucune"
    if name == "mobile":
        return format_mobile(account.mobile) or "aucun"
    if name == "eleve":
        link = account.link_to(value.strip().lower())
        return LINK_STATUS_WORDS.get(link.status, "") if link else "non rattaché"
    return ""


def new_value(name: str, value) -> str:
    """The value as it will be written; an impossible one is refused here, before confirming."""
    try:
        if name == "birth_date":
            return fr_date(check_birth_date(value, dt.date.today()))
        if name == "email":
            return check_email(value)
        if name == "mobile":
            return format_mobile(normalise_mobile(value))
    except AccountError as error:
        raise agent.ActionRefused(str(error)) from error
    if value is True or value is False:
        return "oui" if value else "non"
    return account_panel.OPTION_LABELS.get(value, value) or "-"


async def confirm(state, staff: Staff, ticket: dict, form) -> dict:
    action = str(form.get("compte_action", ""))
    identifier = str(form.get("compte", ""))
    params = account_panel.read_params(action, form)
    try:
        account = await state.accounts.get(identifier, staff.academie)
    except AccountError as error:
        raise agent.ActionRefused(str(error)) from error
    changes = []
    for name, value in params.items():
        after = new_value(name, value)
        before = today_value(account, name, str(value))
        changes.append({"label": NAMES.get(name, name), "before": before, "after": after})
    return {
        "action": action,
        "identifier": account.identifier,
        "params": params,
        "changes": changes,
        "reason": str(form.get("raison", "")).strip()[:500],
        "key": str(uuid.uuid4()),
        "label": ACTION_LABELS.get(action, "Action"),
    }


async def execute(state, staff: Staff, ticket: dict, version: int, form) -> str:
    action = str(form.get("compte_action", ""))
    return await account_panel.run(
        state,
        staff,
        ticket,
        version,
        action,
        str(form.get("compte", "")),
        account_panel.read_params(action, form),
        str(form.get("cle", "")),
        resolve=form.get("resoudre") == "1",
        reason=str(form.get("raison", "")).strip()[:500],
    )
