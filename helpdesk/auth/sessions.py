"""Staff sessions, server side: Litestar's own ServerSideSessionConfig and stores, used through
their public API.

- Store: a RedisStore when HELPDESK_REDIS_URL is set (every process, every host), else a
  FileStore in HELPDESK_DATA_DIR/sessions (one host). A FileStore forgets an expired session
  only when it is read again: the housekeeping loop calls purge_expired_sessions().
- Cookie: HttpOnly, SameSite=lax, Secure behind HTTPS. Every response writes the session again
  with its expiry pushed back: a session ends SESSION_MAX_AGE after the last page seen.
- A new id at login (session fixation): Litestar keeps the id the browser sends, and
  clear_session() then set_session() in one response keeps it too. So the login form is
  shown without a session (an empty one is cleared: no file, no cookie), and a login form that
  still comes with a session cookie ends that session (deleted from the store, cookie expired)
  and is sent again by the browser without it (307, see restart_without_session); the session
  opened then gets an id Litestar draws for it.
- Logout: request.clear_session() deletes the session from the store and expires the cookie.
"""

from __future__ import annotations

from litestar import Request
from litestar.middleware.session.server_side import ServerSideSessionConfig
from litestar.response import Redirect
from litestar.stores.base import Store
from litestar.stores.file import FileStore

from helpdesk.core.settings import Settings

SESSION_COOKIE = "helpdesk_session"
SESSION_MAX_AGE = 10 * 3600
SESSION_STORE = "sessions"  # its name in the app's stores


def session_config(settings: Settings) -> ServerSideSessionConfig:
    return ServerSideSessionConfig(
        store=SESSION_STORE,
        key=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        secure=settings.behind_https,
        httponly=True,
        samesite="lax",
    )


def session_files(settings: Settings) -> FileStore:
    folder = settings.data_dir / "sessions"
    folder.mkdir(parents=True, exist_ok=True)
    return FileStore(folder)


def session_store(settings: Settings) -> Store:
    """Sessions shared by every process: Redis when configured, else files on this host."""
    if settings.redis_url:
        # Imported only then: the redis client takes ≈ 7 Mio in each process.
        from litestar.stores.redis import RedisStore

        return RedisStore.with_client(
            url=settings.redis_url, namespace=f"{settings.redis_prefix}_sessions"
        )
    return session_files(settings)


async def purge_expired_sessions(settings: Settings) -> None:
    """Delete the files of expired sessions (Redis forgets expired keys by itself)."""
    if not settings.redis_url:
        await session_files(settings).delete_expired()


def came_with_session(request: Request) -> bool:
    return request.cookies.get(SESSION_COOKIE, "null") != "null"


def restart_without_session(request: Request) -> Redirect:
    """End the session this request came with and have the browser send the same form again
    (307 keeps the method and the body), now without a session cookie."""
    request.clear_session()
    return Redirect(request.url.path, status_code=307)
