"""A screenshot sent with a form that is not yet a request (« Vérifier » step, or a mistake to
correct) is kept, keyed by the form's random id, until the form is sent: a parent never has to
choose the file again, and the page says the file is kept."""

from __future__ import annotations

import hashlib
import json

from helpdesk.tickets.attachments import PENDING, Upload, delete_bytes, load_bytes, save_bytes


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
