"""Indexes over several columns, which a column cannot declare (release 0.1)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T19:00:28:460359"
VERSION = "1.38.0"
DESCRIPTION = "Index sur plusieurs colonnes (version 0.1)"

INDEXES = [
    "CREATE INDEX IF NOT EXISTS directory_place_academie ON directory_place (academie, account)",
    "CREATE INDEX IF NOT EXISTS directory_place_uai ON directory_place (uai, account)",
    "CREATE INDEX IF NOT EXISTS directory_place_account ON directory_place (account)",
    "CREATE INDEX IF NOT EXISTS directory_account_order ON directory_account (last_folded, first_folded, id)",
    "CREATE INDEX IF NOT EXISTS directory_pending_due ON directory_pending_change (applied_at)",
]


async def create_indexes():
    engine = engine_finder()
    for statement in INDEXES:
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)
    manager.add_raw(create_indexes)
    return manager
