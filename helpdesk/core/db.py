"""The database: engine from HELPDESK_DATABASE_URL, bound to every table of every domain."""

from __future__ import annotations

import importlib
import sqlite3
from pathlib import Path
from urllib.parse import unquote, urlsplit

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.table import Table

from helpdesk import PROJECT_DIR
from helpdesk.core.migrations import migrate as run_migrations


class DatabaseUrlError(ValueError):
    pass


def sqlite_path(url: str) -> Path:
    """`sqlite:///relative/path` is relative to the project, `sqlite:////abs/path` absolute."""
    rest = url.removeprefix("sqlite://")
    if not rest.startswith("/"):
        raise DatabaseUrlError(f"URL SQLite invalide : {url}")
    path = rest[1:]
    return Path(path) if path.startswith("/") else PROJECT_DIR / path


def postgres_config(url: str) -> dict:
    parts = urlsplit(url)
    config = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username or "postgres"),
        "database": parts.path.lstrip("/") or "postgres",
    }
    if parts.password:
        config["password"] = unquote(parts.password)
    return config


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:"):
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        # WAL lets readers go on while one writer writes; Piccolo never sets it itself.
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
        return SQLiteEngine(path=str(path), timeout=60)
    if url.startswith(("postgres://", "postgresql://")):
        return PostgresEngine(config=postgres_config(url))
    raise DatabaseUrlError(
        f"HELPDESK_DATABASE_URL doit commencer par sqlite:/// ou postgresql:// (reçu : {url!r})"
    )


# Each domain's tables module lists its tables in TABLES (creation order).
TABLE_MODULES = [
    "helpdesk.faq.tables",
    "helpdesk.contacts.tables",
    "helpdesk.mail.tables",
    "helpdesk.auth.tables",
    "helpdesk.accounts.tables",
    "helpdesk.tickets.tables",
    "helpdesk.desk.tables",
    "helpdesk.mailin.tables",
    "helpdesk.establishments.tables",
]


def _table_modules():
    return [importlib.import_module(name) for name in TABLE_MODULES]


def all_tables() -> list[type[Table]]:
    return [table for module in _table_modules() for table in module.TABLES]


def bind(engine: Engine) -> None:
    for table in all_tables():
        table._meta.db = engine


async def migrate(engine: Engine) -> None:
    """Brings the schema up to date: the domains' Piccolo migrations (helpdesk/core/migrations.py)."""
    bind(engine)
    await run_migrations(engine)


async def start_pool(engine: PostgresEngine, max_size: int) -> None:
    """The connection pool of a process: the app's, the worker's, the mail receiver's."""
    await engine.start_connection_pool(min_size=1, max_size=max_size)


def is_postgres(engine: Engine) -> bool:
    return isinstance(engine, PostgresEngine)


def write_transaction(engine: Engine):
    """A transaction that will write: on SQLite it takes the write lock at once (IMMEDIATE), so
    that two requests that read then write never fail with "database is locked"."""
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()
