"""Acting on an account: `act` checks the call, runs the action's handler (`_do_<code>`, in the
modules of the actions) in one write transaction, records its result in `directory_action`
and, given an idempotency key, does the work once: the same key again returns the stored
result."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from helpdesk.accounts import sealed
from helpdesk.accounts.bulk import BulkResult, act_many
from helpdesk.accounts.local.common import DirectoryBase, Outcome, iso, pending_change
from helpdesk.accounts.port import (
    ACTION_BY_CODE,
    ACTIONS,
    AccountConflict,
    ActionRefused,
    ActionResult,
    Scope,
)
from helpdesk.accounts.rules import normalise_identifier
from helpdesk.accounts.tables import DirectoryAction, DirectoryPendingChange
from helpdesk.core.db import write_transaction


def is_unique_violation(error: BaseException) -> bool:
    import sqlite3

    try:
        from asyncpg.exceptions import UniqueViolationError
    except ImportError:  # pragma: no cover
        UniqueViolationError = ()  # type: ignore[assignment]  # noqa: N806
    return isinstance(error, UniqueViolationError) or (
        isinstance(error, sqlite3.IntegrityError) and "UNIQUE" in str(error)
    )


def fingerprint_of(action: str, identifier: str, params: dict, scope: Scope) -> str:
    """What a call asks, for an idempotency key used again: the same call, or another one."""
    asked = {
        "action": action,
        "identifier": normalise_identifier(str(identifier)),
        "params": params,
        "scope": scope.as_dict(),
    }
    return hashlib.sha256(json.dumps(asked, sort_keys=True, default=str).encode()).hexdigest()


def checked_key(idempotency_key: str | None) -> str | None:
    key = (idempotency_key or "").strip() or None
    if key and len(key) > 200:
        raise ActionRefused(
            "La clé d'idempotence ne peut pas dépasser 200 caractères.", "idempotency_key"
        )
    return key


class Acting(DirectoryBase):
    """`act` and `act_many` of the port."""

    async def act(
        self,
        action: str,
        identifier: str,
        params: Mapping[str, Any] | None = None,
        *,
        scope: Scope | str,
        idempotency_key: str | None = None,
    ) -> ActionResult:
        if action not in ACTIONS:
            raise ActionRefused(f"Action inconnue\u00a0: {action}.", "action")
        if params is not None and not isinstance(params, Mapping):
            raise ActionRefused("Les paramètres doivent être un objet JSON.", "params")
        params = dict(params or {})
        scope = Scope.of(scope)
        key = checked_key(idempotency_key)
        fingerprint = fingerprint_of(action, identifier, params, scope)
        try:
            return await self._act_once(action, identifier, params, scope, key, fingerprint)
        except Exception as error:
            # Two calls with the same key at the same moment (PostgreSQL): the second one's
            # insert of the key fails and everything it did is rolled back; it returns the
            # first one's result.
            if key and is_unique_violation(error):
                stored = await self._stored(key, fingerprint)
                if stored is not None:
                    return stored
            raise

    async def act_many(
        self, action, identifiers, params=None, *, scope, idempotency_key=None, params_of=None
    ) -> BulkResult:
        return await act_many(
            self,
            action,
            identifiers,
            params,
            scope=scope,
            idempotency_key=idempotency_key,
            params_of=params_of,
        )

    async def _stored(self, key: str, fingerprint: str) -> ActionResult | None:
        row = await DirectoryAction.select().where(DirectoryAction.idempotency_key == key).first()
        if row is None:
            return None
        if row["fingerprint"] != fingerprint:
            raise AccountConflict(
                "Cette clé d'idempotence a déjà servi pour une autre action ou d'autres "
                "paramètres\u00a0: utilisez une clé nouvelle pour une action nouvelle.",
                "idempotency_key",
            )
        data = sealed.replayed(self.settings, row)  # encrypted, secrets kept a short while
        data["replayed"] = True
        return ActionResult.from_dict(data)

    async def _act_once(
        self,
        action: str,
        identifier: str,
        params: dict,
        scope: Scope,
        key: str | None,
        fingerprint: str,
    ) -> ActionResult:
        async with write_transaction(self.engine()):
            if key:
                stored = await self._stored(key, fingerprint)
                if stored is not None:
                    return stored
            row = await self._row(identifier, scope, lock=True)
            handler = getattr(self, f"_do_{action}")
            outcome: Outcome = await handler(row, params, scope)
            result = await self._result(action, row, outcome, key)
            await DirectoryAction.insert(
                DirectoryAction(
                    idempotency_key=key,
                    fingerprint=fingerprint,
                    action=action,
                    identifier=row["identifier"],
                    result=sealed.seal(self.settings, result.as_dict(include_secrets=True)),
                )
            )
            return result

    async def _result(
        self, action: str, row: dict, outcome: Outcome, key: str | None
    ) -> ActionResult:
        if outcome.pending_ids and self.settings.accounts.apply_nightly_at_once:
            for change_id in outcome.pending_ids:
                applied = await self._apply_change_id(change_id)
                outcome.after.update(applied)
        pending = []
        if outcome.pending_ids:
            pending = [
                pending_change(r)
                for r in await DirectoryPendingChange.select()
                .where(DirectoryPendingChange.id.is_in(outcome.pending_ids))
                .order_by(DirectoryPendingChange.id)
            ]
        return ActionResult(
            action=action,
            identifier=row["identifier"],
            message=outcome.message,
            changed=bool(ACTION_BY_CODE[action].changes),  # what the table says it changes
            before=outcome.before,
            after=outcome.after,
            pending_changes=pending,
            letters=outcome.letters,
            mails=outcome.mails,
            secrets=outcome.secrets,
            idempotency_key=key,
            done_at=iso(self.now()) or "",
        )
