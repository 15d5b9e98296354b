"""The desk tables as a Piccolo app: its migrations live in piccolo_migrations/."""

from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

APP_CONFIG = AppConfig(
    app_name="desk",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=table_finder(modules=["helpdesk.desk.tables"], exclude_imported=True),
)
