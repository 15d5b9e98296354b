"""Staff sessions, server side: written back only when they changed (or to renew them).

Litestar's ServerSideSessionBackend writes the session to its store and re-sends its cookie on
every response, even when nothing changed: with the FileStore, a mkdir, a temporary file, a
write and a rename per page, in the thread pool (≈ 30 % of the processor time of /agent, see
bench/README.md). This backend keeps the bytes it read and writes only when the session
changed, or when its last write is older than RENEW_AFTER_SECONDS: a session still ends
max_age after the last page seen, give or take RENEW_AFTER_SECONDS.
Logout (`request.clear_session()`) still deletes the session and expires the cookie.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.stores.base import StorageObject
from litestar.stores.file import FileStore
from litestar.types import Message, ScopeSession

RENEW_AFTER_SECONDS = 600
SAVED_AT = "_saved_at"  # when the session was last written (epoch seconds)
_LOADED = "helpdesk_session_bytes"  # scope key: the session as read from the store
NEW_ID = "_new_id"  # in a session: give it a new id when it is written (login)
_NEW_ID = "helpdesk_new_session_id"  # scope key: that new id


def renew_session_id(session: dict) -> dict:
    """Mark a session opened at login: it is written under a new id and the old one is
    deleted, so an id planted in the browser before login never becomes a logged-in one."""
    return {**session, NEW_ID: True}


class QuietSessionBackend(ServerSideSessionBackend):
    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        data = None
        if session_id := connection.cookies.get(self.config.key):
            data = await self.get(session_id, store=self.config.get_store_from_app(connection.app))
        connection.scope[_LOADED] = data  # type: ignore[typeddict-unknown-key]
        return self.deserialize_data(data) if data is not None else {}

    def unchanged(self, scope_session: ScopeSession, connection: ASGIConnection) -> bool:
        """Nothing to write: no session at all, or the one read, not yet due for renewal."""
        loaded = connection.scope.get(_LOADED)
        if not isinstance(scope_session, dict):
            return False  # Empty (logout) or another container: Litestar's way
        if not scope_session:  # nothing came in and nothing goes out: no file, no cookie
            return loaded is None or not self.deserialize_data(loaded)
        if loaded is None or time.time() - scope_session.get(SAVED_AT, 0) > RENEW_AFTER_SECONDS:
            return False
        return self.serialize_data(scope_session, connection.scope) == loaded

    def get_session_id(self, connection: ASGIConnection) -> str:
        return connection.scope.get(_NEW_ID) or super().get_session_id(connection)

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection
    ) -> None:
        renew = isinstance(scope_session, dict) and scope_session.pop(NEW_ID, False)
        if renew:
            old = connection.cookies.get(self.config.key)
            if old and old != "null":
                await self.delete(old, store=self.config.get_store_from_app(connection.app))
            connection.scope[_NEW_ID] = self.generate_session_id()  # type: ignore[typeddict-unknown-key]
        elif self.unchanged(scope_session, connection):
            return
        if isinstance(scope_session, dict) and scope_session:
            scope_session[SAVED_AT] = int(time.time())
        await super().store_in_message(scope_session, message, connection)


@dataclass
class QuietSessionConfig(ServerSideSessionConfig):
    _backend_class = QuietSessionBackend


class SessionFiles(FileStore):
    """Litestar's FileStore, reading its files without the thread pool.

    A session file is a hundred bytes on a local disk, read on every staff page: handing the
    read to a worker thread and back cost more than the read itself (≈ 5 % of /agent). Writes,
    now rare, keep FileStore's way (temporary file then rename, in a thread).
    """

    @staticmethod
    async def _load_from_path(path) -> StorageObject | None:
        try:
            with open(path, "rb") as file:
                return StorageObject.from_bytes(file.read())
        except FileNotFoundError:
            return None
