"""Piccolo's configuration: the engine of HELPDESK_DATABASE_URL and one app per domain.

`helpdesk migrate` (helpdesk/core/migrations.py) points Piccolo here and sets `DB` to the engine it
migrates; Piccolo's own command line finds this module through the top-level piccolo_conf.py.
"""

from piccolo.conf.apps import AppRegistry

APP_REGISTRY = AppRegistry(
    apps=[
        "helpdesk.faq.piccolo_app",
        "helpdesk.contacts.piccolo_app",
        "helpdesk.mail.piccolo_app",
        "helpdesk.auth.piccolo_app",
        "helpdesk.accounts.piccolo_app",
        "helpdesk.tickets.piccolo_app",
        "helpdesk.desk.piccolo_app",
        "helpdesk.mailin.piccolo_app",
        "helpdesk.establishments.piccolo_app",
    ]
)


def __getattr__(name: str):
    # Made on first use only: importing this module must not open (or create) a database.
    if name == "DB":
        from helpdesk.core.db import make_engine
        from helpdesk.core.settings import load_settings

        globals()["DB"] = engine = make_engine(load_settings().database_url)
        return engine
    raise AttributeError(name)
