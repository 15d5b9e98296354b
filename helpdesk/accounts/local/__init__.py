"""LocalDirectory: the account services in the project's own database.

It behaves like ÉduConnect's account-admin console as seed 004 describes it ("Administration des
comptes / Dépannage des comptes élèves", the "guide" below, cited by section), with the FAQ of
seed 001 for what the users themselves do. Each rule cites where it comes from.

Every action runs in one write transaction (joining the caller's, when the ticket side opens one
around it), records its result in `directory_action`, and, given an idempotency key, does its
work once: the same key again returns the stored result.

One module per concern, each a part (mixin) of `LocalDirectory`:

- common.py: the plumbing (clock, reading a row within a scope, places and search text);
- lookup.py, search.py: `get` and `search`;
- acting.py: `act`, `act_many` (the transaction, the idempotency key, the stored result);
- links.py, contact.py, access.py, night.py: the actions of the table (actions.py), grouped by
  what they change, each in its `_do_<code>`; those applied at night in `_apply_<code>` too;
- mails.py: the mails the actions write to the outbox;
- users.py: what the holders of the accounts do (the confirmation link, a provisional password);
- stats.py: a school's roster and summary, the activation counts;
- filling.py, records.py: filling the directory (the schools' bases, the demo, the tests).
"""

from __future__ import annotations

from helpdesk.accounts.local.access import AccessActions
from helpdesk.accounts.local.acting import Acting, is_unique_violation
from helpdesk.accounts.local.common import (
    CONFIRMATION_LIFETIME,
    STARS,
    Confirmation,
    Outcome,
    iso,
    mail_environment,
    token_hash,
    utcnow,
)
from helpdesk.accounts.local.contact import ContactActions
from helpdesk.accounts.local.filling import Filling
from helpdesk.accounts.local.links import LinkActions
from helpdesk.accounts.local.lookup import Lookup
from helpdesk.accounts.local.night import NightChanges
from helpdesk.accounts.local.records import (
    AccountRecord,
    LinkRecord,
    account_values,
    hash_of,
    unknown_password_hash,
)
from helpdesk.accounts.local.search import (
    decode_cursor,
    encode_cursor,
    search_conditions,
    search_terms,
    search_text,
)
from helpdesk.accounts.local.stats import Statistics
from helpdesk.accounts.local.users import Users
from helpdesk.accounts.port import ACTION_TABLE, NIGHT, NIGHTLY_ACTIONS, NamedActions


class LocalDirectory(
    Lookup,
    Acting,
    LinkActions,
    ContactActions,
    AccessActions,
    NightChanges,
    Users,
    Statistics,
    Filling,
    NamedActions,
):
    """The default adapter of the AccountService port."""


def missing_handlers(directory: type) -> list[str]:
    """The methods the table of actions asks of the directory and that it lacks."""
    wanted = [f"_do_{action.code}" for action in ACTION_TABLE]
    wanted += [f"_apply_{action.code}" for action in ACTION_TABLE if action.applied == NIGHT]
    return [name for name in wanted if not hasattr(directory, name)]


if missing_handlers(LocalDirectory):  # a line added to the table, its handler forgotten
    raise TypeError(f"LocalDirectory: no {', '.join(missing_handlers(LocalDirectory))}")


__all__ = [
    "CONFIRMATION_LIFETIME",
    "NIGHTLY_ACTIONS",
    "STARS",
    "AccountRecord",
    "Confirmation",
    "LinkRecord",
    "LocalDirectory",
    "Outcome",
    "account_values",
    "decode_cursor",
    "encode_cursor",
    "hash_of",
    "is_unique_violation",
    "iso",
    "mail_environment",
    "search_conditions",
    "search_terms",
    "search_text",
    "token_hash",
    "unknown_password_hash",
    "utcnow",
]
