"""Indexes over several columns, which a column cannot declare (release 0.1)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T19:00:24:936370"
VERSION = "1.38.0"
DESCRIPTION = "Index sur plusieurs colonnes (version 0.1)"

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS contact_override_key ON contact_override (academie, audience)",
]


async def create_indexes():
    engine = engine_finder()
    for statement in INDEXES:
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="contacts", description=DESCRIPTION)
    manager.add_raw(create_indexes)
    return manager
