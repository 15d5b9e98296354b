"""Screenshots of the error: PNG, JPEG or PDF, recognised by their first bytes, size-limited."""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from litestar import Response
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException

from helpdesk.tickets.tables import StoredFile

SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
    b"%PDF-": ("application/pdf", ".pdf"),
}


class AttachmentError(ValueError):
    pass


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


def sniff(data: bytes) -> tuple[str, str] | None:
    return next((kind for magic, kind in SIGNATURES.items() if data.startswith(magic)), None)


def check_upload(filename: str, data: bytes, max_bytes: int) -> Upload | None:
    """None when no file was chosen; AttachmentError (French) when the file is not acceptable."""
    if not data:
        return None
    if len(data) > max_bytes:
        raise AttachmentError(
            f"La pièce jointe dépasse {max_bytes // (1024 * 1024)} Mo : envoyez une image plus petite."
        )
    kind = sniff(data)
    if kind is None:
        raise AttachmentError("Joignez une image PNG ou JPEG, ou un document PDF.")
    content_type, extension = kind
    stem = re.sub(r"[^\w.-]+", "_", Path(filename or "capture").stem)[:80] or "capture"
    return Upload(filename=f"{stem}{extension}", content_type=content_type, data=data)


async def read_upload(form: Any, name: str, max_bytes: int) -> Upload | None:
    """The file of a form's field, checked (see check_upload)."""
    file = form.get(name)
    if not isinstance(file, UploadFile):
        return None
    data = await file.read(max_bytes + 1)
    return check_upload(file.filename, data, max_bytes)


# --- where the bytes are kept ------------------------------------------------------------------
# With SQLite (one host) in the data folder; with PostgreSQL in the database (table stored_file),
# so that every app process, on any host, serves every file.
ATTACHMENTS = "attachments"
PENDING = "attachments-pending"  # screenshots sent with the « Vérifier » step, until sent


async def save_bytes(settings, folder: str, name: str, data: bytes) -> None:
    if settings.is_sqlite:
        path = settings.data_dir / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(path.write_bytes, data)
    else:
        await StoredFile.insert(StoredFile(name=f"{folder}/{name}", data=data))


async def load_bytes(settings, folder: str, name: str) -> bytes | None:
    if settings.is_sqlite:
        path = settings.data_dir / folder / name
        return await asyncio.to_thread(path.read_bytes) if path.exists() else None
    row = await StoredFile.select(StoredFile.data).where(StoredFile.name == f"{folder}/{name}")
    return bytes(row[0]["data"]) if row else None


async def delete_bytes(settings, folder: str, name: str) -> None:
    if settings.is_sqlite:
        (settings.data_dir / folder / name).unlink(missing_ok=True)
    else:
        await StoredFile.delete().where(StoredFile.name == f"{folder}/{name}")


async def store(settings, upload: Upload) -> str:
    """Keeps the file under a random name; the name to keep in the database."""
    name = uuid.uuid4().hex
    await save_bytes(settings, ATTACHMENTS, name, upload.data)
    return name


async def download(settings, storage_name: str, filename: str, content_type: str) -> Response:
    """A stored file as a download: never shown in the page, never cached, its type as stored
    (not guessed by the browser)."""
    data = await load_bytes(settings, ATTACHMENTS, storage_name)
    if data is None:
        raise NotFoundException()
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    return Response(
        data,
        media_type=content_type,
        headers={
            "content-disposition": f'attachment; filename="{ascii_name}"; '
            f"filename*=UTF-8''{quote(filename)}",
            "x-content-type-options": "nosniff",
            "cache-control": "private, no-store",
        },
    )
