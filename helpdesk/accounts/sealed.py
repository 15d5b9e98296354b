"""The directory's action history (`directory_action.result`) is kept encrypted.

An action's result is what a replay of its idempotency key returns: an answer lost on the way
(timeout, cut connection) is asked again with the same key, and must carry the same provisional
password and letters, or the family would never get them. So, for DELIVERY_WINDOW after the
action, the history keeps the whole result, secrets included, encrypted (Fernet, with a key
drawn from HELPDESK_SECRET_KEY). After it, the answer is taken as delivered: the worker
(helpdesk/privacy/nightly.py) rewrites the entry without the secrets and without the letters
(they print the password and the identifier), still encrypted; a replay then returns neither.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken

from helpdesk.accounts.tables import DirectoryAction

DELIVERY_WINDOW = dt.timedelta(hours=1)
# Marks an entry that still holds secrets (searched as text: JSON columns differ by engine).
WITH_SECRETS = "avec_secrets"


def _fernet(settings) -> Fernet:
    digest = hashlib.sha256(b"historique-annuaire:" + settings.secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _delivered(data: dict) -> dict:
    """The result as it may stay once delivered: no secret, no letter."""
    data = {k: v for k, v in data.items() if k != "secrets"}
    data["letters"] = []
    return data


def seal(settings, data: dict) -> str:
    """The JSON text the history stores for a result (`as_dict(include_secrets=True)`)."""
    token = _fernet(settings).encrypt(json.dumps(data).encode()).decode()
    holds_secrets = bool(data.get("secrets")) or bool(data.get("letters"))
    return json.dumps({"sealed": token, WITH_SECRETS: holds_secrets})


def replayed(settings, row: dict) -> dict:
    """What a replay returns for a history row (action, identifier, result)."""
    stored = row["result"]
    data = unseal(settings, json.loads(stored or "{}") if isinstance(stored, str) else stored)
    return data or {
        "action": row["action"],
        "identifier": row["identifier"],
        "message": "Cette action a déjà été faite\u00a0; son résultat n'est plus lisible.",
        "changed": False,
    }


def unseal(settings, stored: dict) -> dict | None:
    """The result a replay returns; None when it cannot be read (the secret key changed).
    Entries written before this encryption are read as they are, secrets left out."""
    if "sealed" not in stored:
        return _delivered(stored) if stored else None
    try:
        return json.loads(_fernet(settings).decrypt(stored["sealed"].encode()))
    except InvalidToken:
        return None


async def forget_delivered_secrets(
    settings, now: dt.datetime | None = None, since: dt.datetime | None = None
) -> int:
    """Entries older than DELIVERY_WINDOW (and, with `since`, newer than it: the frequent
    rounds look at the last days only) lose their secrets and letters; how many did."""
    before = (now or dt.datetime.now(dt.UTC)) - DELIVERY_WINDOW
    since = since or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    rows = await DirectoryAction.raw(
        "SELECT id, action, identifier, result FROM directory_action "
        "WHERE created_at < {} AND created_at >= {} "
        "AND (CAST(result AS TEXT) LIKE {} OR CAST(result AS TEXT) NOT LIKE {})",
        before,
        since,
        f'%"{WITH_SECRETS}": true%',
        '{"sealed"%',
    )
    for row in rows:
        kept = seal(settings, _delivered(replayed(settings, row)))
        await DirectoryAction.update({DirectoryAction.result: kept}).where(
            DirectoryAction.id == row["id"]
        )
    return len(rows)
