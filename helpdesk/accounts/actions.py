"""The table of the actions (DESIGN.md §5): one line per action of the console, with its code
(the name of its method and its name in the account API), its label (the console's words),
what it changes on the account, and how it is applied.

Everything else follows from the table: `ACTIONS`, `ACTION_LABELS`, `NIGHTLY_ACTIONS`,
`BULK_ACTIONS`, and the named methods of the port and of both adapters (`inform(…)` is
`act("inform", …)`), written once here by `with_named_actions`. The local directory does an
action in its `_do_<code>` method, and applies a change left for the night in `_apply_<code>`.
"""

from __future__ import annotations

from dataclasses import dataclass

# How an action is applied: at once, in the action's transaction; or by ÉduConnect's night
# processing (guide §8; FAQ seed 001 §6), the action leaving a pending change until then.
NOW = "now"
NIGHT = "night"


@dataclass(frozen=True)
class Action:
    code: str
    label: str
    # The account's data it changes (what `ActionResult.before` and `after` are about); none:
    # it only sends a mail, and `ActionResult.changed` is false.
    changes: tuple[str, ...]
    applied: str = NOW
    # « Informer » and « Réinitialiser les mots de passe » are also done for many accounts at
    # once (`act_many`; guide 3.2, 3.4, 5.2, 5.4).
    bulk: bool = False
    params: str = ""  # what `params` holds


ACTION_TABLE = (
    Action(
        "correct_birth_date",
        "Corriger la date de naissance",
        ("birth_date",),
        NIGHT,
        params="`birth_date`: the élève's date of birth (AAAA-MM-JJ or JJ/MM/AAAA).",
    ),
    Action(
        "link_child",
        "Rattacher un élève",
        ("links",),
        params="`eleve`: the élève's identifier; `relation` (optional).",
    ),
    Action(
        "unlink_child",
        "Retirer un élève",
        ("links",),
        params="`eleve`: the élève's identifier.",
    ),
    Action(
        "merge_accounts",
        "Ajouter des enfants depuis un autre compte",
        ("links",),
        params="`from`: the identifier of the account whose children come to this one.",
    ),
    Action(
        "update_email",
        "Modifier l'adresse mail",
        ("email", "pending_email"),
        params="`email`; `ticket_reference` (optional, for the outbox).",
    ),
    Action(
        "resend_confirmation_mail",
        "Renvoyer un mail de confirmation",
        (),
        params="`ticket_reference` (optional).",
    ),
    Action(
        "update_mobile",
        "Modifier le téléphone portable",
        ("mobile",),
        params="`mobile`: a French mobile number.",
    ),
    Action(
        "remind_identifier",
        "Rappeler l'identifiant",
        (),
        params="`ticket_reference` (optional).",
    ),
    Action("reset_password", "Réinitialiser le mot de passe", ("password",), bulk=True),
    Action("regenerate_identifier", "Réinitialiser l'identifiant", ("identifier",), NIGHT),
    Action(
        "inform",
        "Informer",
        ("state", "password", "last_informed_at"),
        bulk=True,
        params=(
            '`mode` ("courrier" or "mail"), `reset_password` (bool), `links` ({"page", "ent"}: '
            "the internet addresses the mail gives, guide §7; "
            "helpdesk/accounts/web_addresses.py); `ticket_reference` (optional)."
        ),
    ),
    Action(
        "mark_compromised",
        "Signaler le compte comme compromis",
        ("flags", "password"),
        params="`reason` (optional, 500 characters at most).",
    ),
    Action(
        "clear_link_report",
        "Lever le signalement «\u00a0Je ne suis pas le représentant légal\u00a0»",
        ("links", "flags"),
        params="`eleve`: the élève's identifier; `reason` (required).",
    ),
)

ACTION_BY_CODE = {action.code: action for action in ACTION_TABLE}
# The codes, used by `act()` and the API.
ACTIONS = tuple(ACTION_BY_CODE)
ACTION_LABELS = {action.code: action.label for action in ACTION_TABLE}
NIGHTLY_ACTIONS = tuple(action.code for action in ACTION_TABLE if action.applied == NIGHT)
BULK_ACTIONS = tuple(action.code for action in ACTION_TABLE if action.bulk)


def named_action(action: Action, owner: str):
    """The method `<code>(identifier, params, *, scope, idempotency_key)`: `act(code, …)`."""

    async def method(self, identifier, params=None, *, scope, idempotency_key=None):
        return await self.act(
            action.code, identifier, params, scope=scope, idempotency_key=idempotency_key
        )

    method.__name__ = action.code
    method.__qualname__ = f"{owner}.{action.code}"
    method.__doc__ = f"{action.label} (`act({action.code!r}, …)`). {action.params}".strip()
    return method


def with_named_actions(cls):
    """Gives `cls` one method per action of the table (those it does not define itself)."""
    for action in ACTION_TABLE:
        if action.code not in vars(cls):
            setattr(cls, action.code, named_action(action, cls.__name__))
    return cls


@with_named_actions
class NamedActions:
    """The named action methods, for the adapters: each a call of `self.act(code, …)`."""

    async def act(self, action, identifier, params=None, *, scope, idempotency_key=None):
        raise NotImplementedError
