"""Screenshots of the error: PNG, JPEG or PDF, recognised by their first bytes, size-limited."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from litestar.response import File

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


def store(folder: Path, upload: Upload) -> str:
    """Write the file under a random name; the name to keep in the database."""
    folder.mkdir(parents=True, exist_ok=True)
    name = uuid.uuid4().hex
    (folder / name).write_bytes(upload.data)
    return name


def download(settings, storage_name: str, filename: str, content_type: str) -> File:
    """A stored file as a download: never shown in the page, never cached, its type as stored
    (not guessed by the browser)."""
    return File(
        path=settings.data_dir / "attachments" / storage_name,
        filename=filename,
        media_type=content_type,
        content_disposition_type="attachment",
        headers={"x-content-type-options": "nosniff", "cache-control": "private, no-store"},
    )
