"""Tableau de bord des établissements (MEF, portable confirmé, dernière mise à jour SIECLE)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T21:49:16:454983"
VERSION = "1.38.0"
DESCRIPTION = (
    "Annuaire\u00a0: MEF des élèves, portable confirmé, date de mise à jour de chaque établissement"
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)

    manager.add_column(
        table_class_name="DirectoryAccount",
        tablename="directory_account",
        column_name="mef",
        db_column_name="mef",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 60,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="DirectoryAccount",
        tablename="directory_account",
        column_name="mobile_confirmed",
        db_column_name="mobile_confirmed",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": False,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="DirectoryEstablishment",
        tablename="directory_establishment",
        column_name="directory_updated_at",
        db_column_name="directory_updated_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
