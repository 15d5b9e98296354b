"""Screenshots kept by the form's « Vérifier » step (helpdesk/tickets/routes.py) until the
request is sent: a form left unsent leaves them behind, deleted after a day."""

from __future__ import annotations

import asyncio
import datetime as dt

from helpdesk.tickets.attachments import PENDING
from helpdesk.tickets.tables import StoredFile

PENDING_LIFETIME = dt.timedelta(days=1)


async def delete_abandoned(settings, now: dt.datetime | None = None) -> int:
    """Deletes the pending screenshots older than a day; how many files went."""
    before = (now or dt.datetime.now(dt.UTC)) - PENDING_LIFETIME
    if settings.is_sqlite:
        return await asyncio.to_thread(_delete_files, settings.data_dir / PENDING, before)
    old = (StoredFile.name.like(f"{PENDING}/%")) & (StoredFile.created_at < before)
    count = await StoredFile.count().where(old)
    await StoredFile.delete().where(old)
    return count


def _delete_files(folder, before: dt.datetime) -> int:
    if not folder.exists():
        return 0
    count = 0
    for path in folder.iterdir():
        try:
            if dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC) < before:
                path.unlink()
                count += 1
        except FileNotFoundError:  # sent meanwhile: the form deleted it itself
            pass
    return count
