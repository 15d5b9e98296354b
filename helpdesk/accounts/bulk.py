"""One action on many accounts at once (guide 3.2, 3.4, 5.2, 5.4: « Informer » and
« Réinitialiser les mots de passe » of the accounts ticked in a list).

Each account goes through the single-account action (`act`), so its rules stay the same: an
account the rules refuse is reported with the reason, the others are done. With an idempotency
key, each account's call has its own key derived from it: the same request again does nothing
twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from helpdesk.accounts.port import (
    BULK_ACTIONS,
    AccountError,
    ActionRefused,
    ActionResult,
    Scope,
    _Data,
)

MAX_ACCOUNTS = 500  # « il est conseillé de ne pas informer tout l'établissement en une seule fois »


@dataclass(frozen=True)
class BulkResult(_Data):
    action: str
    results: list = field(default_factory=list)  # [ActionResult], in the order asked
    refused: list = field(default_factory=list)  # [{"identifier", "code", "message"}]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BulkResult:
        return cls(
            action=str(data.get("action", "")),
            results=[ActionResult.from_dict(r) for r in data.get("results") or []],
            refused=[dict(r) for r in data.get("refused") or []],
        )


def check_bulk(action: str, identifiers: object) -> list[str]:
    if action not in BULK_ACTIONS:
        raise ActionRefused(
            "Seuls «\u00a0Informer\u00a0» et «\u00a0Réinitialiser les mots de passe\u00a0» se "
            "font pour plusieurs comptes à la fois.",
            "action",
        )
    if not isinstance(identifiers, list | tuple) or not all(
        isinstance(i, str) and i.strip() for i in identifiers
    ):
        raise ActionRefused("Indiquez les identifiants des comptes (une liste).", "identifiers")
    unique = list(dict.fromkeys(i.strip().lower() for i in identifiers))
    if not unique:
        raise ActionRefused("Sélectionnez au moins un compte.", "identifiers")
    if len(unique) > MAX_ACCOUNTS:
        raise ActionRefused(
            f"{MAX_ACCOUNTS} comptes au plus à la fois\u00a0: affinez la liste par ses critères.",
            "identifiers",
        )
    return unique


def check_params_of(params_of: object) -> dict[str, dict]:
    if params_of is None:
        return {}
    if not isinstance(params_of, Mapping) or not all(
        isinstance(v, Mapping) for v in params_of.values()
    ):
        raise ActionRefused("params_of associe à un identifiant un objet JSON.", "params_of")
    return {str(k).strip().lower(): dict(v) for k, v in params_of.items()}


async def act_many(
    service,
    action: str,
    identifiers: Sequence[str],
    params: Mapping[str, Any] | None,
    *,
    scope: Scope | str,
    idempotency_key: str | None = None,
    params_of: Mapping[str, Mapping[str, Any]] | None = None,
) -> BulkResult:
    """`params_of`: parameters of some accounts that differ from `params` (« Informer » by
    mail for those whose address is confirmed, by letter for the others)."""
    unique = check_bulk(action, identifiers)
    params_of = check_params_of(params_of)
    key = (idempotency_key or "").strip()
    if key and len(key) > 120:
        raise ActionRefused("La clé d'idempotence dépasse 120 caractères.", "idempotency_key")
    results, refused = [], []
    for identifier in unique:
        own = dict(params_of.get(identifier) or params or {})
        try:
            results.append(
                await service.act(
                    action,
                    identifier,
                    own,
                    scope=scope,
                    idempotency_key=f"{key}:{identifier}" if key else None,
                )
            )
        except AccountError as error:
            if error.status == 503:
                raise  # the directory is down: stop here; done accounts are kept (keys)
            refused.append({"identifier": identifier, "code": error.code, "message": error.message})
    return BulkResult(action=action, results=results, refused=refused)
