"""Indexes over several columns, which a column cannot declare (release 0.1)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T19:00:30:260026"
VERSION = "1.38.0"
DESCRIPTION = "Index sur plusieurs colonnes (version 0.1)"

INDEXES = [
    "CREATE INDEX IF NOT EXISTS anomaly_ticket_key ON anomaly_ticket (account, flag)",
    "CREATE UNIQUE INDEX IF NOT EXISTS anomaly_ticket_one_row ON anomaly_ticket (ticket)",
    "CREATE UNIQUE INDEX IF NOT EXISTS sla_target_key ON sla_target (academie, category)",
    "CREATE UNIQUE INDEX IF NOT EXISTS ticket_sequence_key ON ticket_sequence (academie, year)",
    "CREATE INDEX IF NOT EXISTS ticket_queue ON ticket (academie, status, created_at, id)",
    "CREATE INDEX IF NOT EXISTS ticket_academie_created ON ticket (academie, created_at, id)",
    "CREATE INDEX IF NOT EXISTS ticket_academie_due ON ticket (academie, sla_due_at, id)",
]


async def create_indexes():
    engine = engine_finder()
    for statement in INDEXES:
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tickets", description=DESCRIPTION)
    manager.add_raw(create_indexes)
    return manager
