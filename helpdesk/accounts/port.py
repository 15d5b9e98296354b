"""The account-services port (DESIGN.md §5): what the help desk may ask of ÉduConnect.

Two adapters implement it: `LocalDirectory` (the project's own database, behaving like the
account-admin console of seed 004) and `HttpAccountService` (the same over HTTP, against the
account API `/api/accounts/v1` that the project serves from its local directory).

The port is written in a few modules, all of whose names this one gives:

- vocabulary.py: the console's words (kinds, states, origins, flags, links, passwords);
- actions.py: the table of the actions, and the named methods made from it;
- errors.py: the failures, typed, the same from both adapters;
- values.py: the values crossing the port (`Scope`, `Account`, `ActionResult`…), plain data
  that both adapters give equal, secrets left out of `as_dict()` unless asked for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from helpdesk.accounts.actions import (
    ACTION_BY_CODE,
    ACTION_LABELS,
    ACTION_TABLE,
    ACTIONS,
    BULK_ACTIONS,
    NIGHT,
    NIGHTLY_ACTIONS,
    NOW,
    Action,
    NamedActions,
    with_named_actions,
)
from helpdesk.accounts.errors import (
    ERRORS_BY_CODE,
    AccountConflict,
    AccountError,
    AccountNotFound,
    AccountServiceUnavailable,
    ActionRefused,
)
from helpdesk.accounts.values import (
    Account,
    AccountQuery,
    ActionResult,
    Letter,
    Link,
    Page,
    PendingChange,
    QueuedMail,
    Scope,
    _Data,
    _plain,
)
from helpdesk.accounts.vocabulary import (
    ACTIVE,
    EN_COURS,
    FLAG_LABELS,
    FLAGS,
    INFORME,
    KINDS,
    LINK_STATUSES,
    NON_INFORME,
    ORIGINS,
    PASSWORD_KINDS,
    RELATIONS,
    STATE_CODES,
    STATES,
    UNAVAILABLE_MESSAGE,
)

if TYPE_CHECKING:
    from helpdesk.accounts.bulk import BulkResult
    from helpdesk.accounts.school_health import Roster
    from helpdesk.accounts.school_summary import SchoolSummary


@runtime_checkable
@with_named_actions
class AccountService(Protocol):
    """search, get, the statistics of a school or a scope, `act` and `act_many`; and one method
    per action of the table (actions.py), named after its code: `inform(…)` is
    `act("inform", …)`."""

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


__all__ = [
    "ACTION_BY_CODE",
    "ACTION_LABELS",
    "ACTION_TABLE",
    "ACTIONS",
    "ACTIVE",
    "BULK_ACTIONS",
    "EN_COURS",
    "ERRORS_BY_CODE",
    "FLAG_LABELS",
    "FLAGS",
    "INFORME",
    "KINDS",
    "LINK_STATUSES",
    "NIGHT",
    "NIGHTLY_ACTIONS",
    "NON_INFORME",
    "NOW",
    "ORIGINS",
    "PASSWORD_KINDS",
    "RELATIONS",
    "STATE_CODES",
    "STATES",
    "UNAVAILABLE_MESSAGE",
    "Account",
    "AccountConflict",
    "AccountError",
    "AccountNotFound",
    "AccountQuery",
    "AccountService",
    "AccountServiceUnavailable",
    "Action",
    "ActionRefused",
    "ActionResult",
    "Letter",
    "Link",
    "NamedActions",
    "Page",
    "PendingChange",
    "QueuedMail",
    "Scope",
    "_Data",
    "_plain",
]
