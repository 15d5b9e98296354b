"""A screenshot sent with a form that is not yet a request (« Vérifier » step, or a mistake to
correct) is kept, keyed by the form's random id, until the form is sent: a parent never has to
choose the file again, and the page says the file is kept."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from helpdesk.tickets.attachments import PENDING, Upload, delete_bytes, load_bytes, save_bytes
from helpdesk.tickets.tables import StoredFile


def pending_name(form_id: str) -> str:
    return hashlib.sha256(form_id.encode()).hexdigest()


async def keep_pending_upload(state, form_id: str, upload: Upload | None) -> None:
    if upload is None or not form_id:
        return
    name, settings = pending_name(form_id), state.settings
    await discard_pending_upload(state, form_id)  # a file chosen again replaces the first
    about = json.dumps([upload.filename, upload.content_type]).encode()
    await save_bytes(settings, PENDING, f"{name}.json", about)
    await save_bytes(settings, PENDING, name, upload.data)


async def pending_upload(state, form_id: str) -> Upload | None:
    if not form_id:
        return None
    name = pending_name(form_id)
    data = await load_bytes(state.settings, PENDING, name)
    about = await load_bytes(state.settings, PENDING, f"{name}.json")
    if data is None or about is None:
        return None
    filename, content_type = json.loads(about)
    return Upload(filename, content_type, data)


async def discard_pending_upload(state, form_id: str) -> None:
    if form_id:
        name = pending_name(form_id)
        await delete_bytes(state.settings, PENDING, name)
        await delete_bytes(state.settings, PENDING, f"{name}.json")


PENDING_LIFETIME = dt.timedelta(days=1)  # a form left for a day is not coming back


async def purge_abandoned_uploads(settings, now: dt.datetime | None = None) -> int:
    """Forget the files of forms never sent (a parent who gave up); how many were removed."""
    limit = (now or dt.datetime.now(dt.UTC)) - PENDING_LIFETIME
    if settings.is_sqlite:
        folder = settings.data_dir / PENDING
        old = [
            path
            for path in (folder.iterdir() if folder.exists() else ())
            if dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC) < limit
        ]
        for path in old:
            path.unlink(missing_ok=True)
        return len(old)
    old = StoredFile.name.like(f"{PENDING}/%") & (StoredFile.created_at < limit)
    count = await StoredFile.count().where(old)
    await StoredFile.delete().where(old)
    return count
