"""The desk's tables and the schools' (transmission, letter_delivery) leave this app for theirs.

`fake`: recorded as run, never run: nothing is dropped. It only takes the tables out of
Piccolo's snapshot of this app; the desk and establishments apps' migrations of the same day
put them in theirs.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-05T21:22:10:953002"
VERSION = "1.38.0"
DESCRIPTION = "Tables de l'espace des agents et des établissements passées à leur application (sans rien changer en base)"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="tickets", description=DESCRIPTION, fake=True
    )

    manager.drop_table(
        class_name="AccountChange", tablename="account_change", schema=None
    )

    manager.drop_table(
        class_name="CannedAnswer", tablename="canned_answer", schema=None
    )

    manager.drop_table(
        class_name="AnomalyTicket", tablename="anomaly_ticket", schema=None
    )

    manager.drop_table(
        class_name="LetterDelivery", tablename="letter_delivery", schema=None
    )

    manager.drop_table(class_name="Incident", tablename="incident", schema=None)

    manager.drop_table(
        class_name="Transmission", tablename="transmission", schema=None
    )

    return manager
