"""Schema changes: each domain is a Piccolo app whose migrations live in its piccolo_migrations/
folder (the apps are listed in helpdesk/piccolo_conf.py). `migrate(engine)` runs, forwards, those
that have not run yet: `helpdesk migrate`, and every start of the app.

Release 0.1 made its tables with `create_table(if_not_exists=True)` and recorded no migration. On
such a database each app's first migration (the schema of 0.1) is *adopted* rather than run: the
tables and columns it creates that are missing (added to 0.1 over time) are added, columns too
short are widened, and it is recorded as run. The later migrations then run as anywhere else.
A first migration marked `fake` (tables that moved to this app from another, already made by
that app's migrations) is never adopted: it runs as anywhere else, that is, recorded only.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import importlib
import io
import logging
import os
import sys
from collections.abc import AsyncIterator

import asyncpg
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration
from piccolo.columns import Varchar
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table, create_table_class, sort_table_classes

PICCOLO_CONF = "helpdesk.piccolo_conf"
MIGRATION_LOCK = 0x6865_6C70  # PostgreSQL advisory lock held by the process that migrates
log = logging.getLogger("helpdesk.core.migrations")


class MigrationError(RuntimeError):
    pass


async def migrate(engine: Engine) -> None:
    """Runs the migrations not yet run on this database; one process at a time."""
    _point_piccolo_at(engine)
    path = list(sys.path)  # Piccolo puts each migrations folder on sys.path on every run
    output = io.StringIO()
    try:
        async with _exclusive(engine):
            with contextlib.redirect_stdout(output):
                if not await Migration.table_exists():
                    await Migration.create_table()
                finder = BaseMigrationManager()
                for app_name in finder.get_sorted_app_names():
                    await _adopt_first_migration(finder, app_name, engine)
                result = await run_forwards(app_name="all")
    finally:
        sys.path[:] = path
    if "ok!" in output.getvalue() or "adopted" in output.getvalue():
        log.info("Migrations\u00a0: %s", output.getvalue().strip())
    if not result.success:
        raise MigrationError(f"Migration impossible\u00a0: {result.message}")


async def pending_migrations(engine: Engine) -> list[str]:
    """The migrations not yet run, as app:id."""
    _point_piccolo_at(engine)
    finder = BaseMigrationManager()
    ran = set()
    if await Migration.table_exists():
        ran = {(row["app_name"], row["name"]) for row in await Migration.select().run()}
    pending = []
    for app_name in finder.get_sorted_app_names():
        folder = finder.get_app_config(app_name).resolved_migrations_folder_path
        for migration_id in sorted(finder.get_migration_modules(folder)):
            if (app_name, migration_id) not in ran:
                pending.append(f"{app_name}:{migration_id}")
    return pending


def _point_piccolo_at(engine: Engine) -> None:
    """Piccolo's migrations find their engine through the configuration module: this one."""
    os.environ["PICCOLO_CONF"] = PICCOLO_CONF
    importlib.import_module(PICCOLO_CONF).DB = engine
    Migration._meta.db = engine


@contextlib.asynccontextmanager
async def _exclusive(engine: Engine) -> AsyncIterator[None]:
    """Several processes starting at once on one database: one migrates, the others wait for
    it and then find nothing left to do."""
    if isinstance(engine, PostgresEngine):
        connection = await asyncpg.connect(**engine.config)
        try:
            await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
            yield
        finally:
            await connection.close()  # releases the lock
        return
    lock_path = f"{engine.connection_kwargs['database']}-migrate.lock"
    with open(lock_path, "w") as lock_file:
        await asyncio.to_thread(fcntl.flock, lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


# --- databases made by release 0.1, before migrations ----------------------------------------


async def _adopt_first_migration(finder: BaseMigrationManager, app_name: str, engine) -> None:
    if await Migration.get_migrations_which_ran(app_name=app_name):
        return
    folder = finder.get_app_config(app_name).resolved_migrations_folder_path
    modules = finder.get_migration_modules(folder)
    first_id = min(modules)
    manager: MigrationManager = await modules[first_id].forwards()
    if manager.fake:  # it changes nothing in the database (tables moved from another app)
        return
    tables = _tables_created_by(manager)
    existing = await _existing_columns(engine)
    if not any(table._meta.tablename in existing for table in tables):
        return  # a new database: the migration runs as written
    for table in sort_table_classes(tables):
        await _complete(table, existing.get(table._meta.tablename), engine)
    await Migration.insert(Migration(name=first_id, app_name=app_name))
    print(f"{app_name} {first_id}: adopted")


def _tables_created_by(manager: MigrationManager) -> list[type[Table]]:
    """The tables of a migration's add_table steps, as Piccolo itself builds them to run it."""
    tables = []
    for add_table in manager.add_tables:
        columns = manager.add_columns.for_table_class_name(add_table.class_name)
        tables.append(
            create_table_class(
                class_name=add_table.class_name,
                class_kwargs={"tablename": add_table.tablename, "schema": add_table.schema},
                class_members={c.column._meta.name: c.column for c in columns},
            )
        )
    return tables


async def _complete(table: type[Table], columns: dict[str, int | None] | None, engine) -> None:
    """Makes the table as the migration would have: created if missing, else its missing
    columns added (with their index) and its short text columns widened."""
    if columns is None:
        await table.create_table(if_not_exists=True)
        return
    for column in table._meta.non_default_columns:
        name = column._meta.db_column_name
        if name not in columns:
            await table.alter().add_column(column._meta.name, column)
            if column._meta.index:
                await table.create_index([column], if_not_exists=True)
        elif (
            isinstance(engine, PostgresEngine)
            and isinstance(column, Varchar)
            and (columns[name] or 0) < column.length
        ):
            await table.alter().set_length(column, column.length)


async def _existing_columns(engine: Engine) -> dict[str, dict[str, int | None]]:
    """table → column → its maximum length (text columns of PostgreSQL), as the database has them."""
    found: dict[str, dict[str, int | None]] = {}
    if isinstance(engine, PostgresEngine):
        rows = await Migration.raw(
            "SELECT table_name, column_name, character_maximum_length AS length "
            "FROM information_schema.columns WHERE table_schema = 'public'"
        )
        for row in rows:
            found.setdefault(row["table_name"], {})[row["column_name"]] = row["length"]
        return found
    rows = await Migration.raw(
        "SELECT m.name AS table_name, c.name AS column_name FROM sqlite_master m "
        "JOIN pragma_table_info(m.name) c WHERE m.type = 'table'"
    )
    for row in rows:
        found.setdefault(row["table_name"], {})[row["column_name"]] = None
    return found
