"""Demo data for `make run`: staff accounts (passwords printed once) and a few requests."""

from __future__ import annotations

import secrets

from helpdesk.auth.service import create_user
from helpdesk.auth.tables import User
from helpdesk.core.db import bind, make_engine, migrate
from helpdesk.core.settings import Settings

DEMO_USERS = [
    ("agent.orleans-tours@demo.ac-exemple.fr", "agent", "orleans-tours", [], "Agnès Roux (agent)"),
    (
        "superviseur.orleans-tours@demo.ac-exemple.fr",
        "supervisor",
        "orleans-tours",
        [],
        "Marc Petit (superviseur)",
    ),
    ("agent.lyon@demo.ac-exemple.fr", "agent", "lyon", [], "Inès Garnier (agent)"),
    ("superviseur.lyon@demo.ac-exemple.fr", "supervisor", "lyon", [], "Paul Fabre (superviseur)"),
    (
        "etablissement.0450782f@demo.ac-exemple.fr",
        "establishment",
        "orleans-tours",
        ["0450782F"],
        "Secrétariat 0450782F",
    ),
    ("admin@demo.ac-exemple.fr", "admin", "", [], "Administration"),
]


async def demo_directory(settings: Settings) -> None:
    """The account directory of the demo: generated once, when it is still empty."""
    from helpdesk.accounts.demo import load_demo_directory
    from helpdesk.accounts.service import local_directory
    from helpdesk.accounts.tables import DirectoryAccount

    if await DirectoryAccount.count() == 0:
        summary = await load_demo_directory(local_directory(settings))
        print(f"Annuaire ÉduConnect de démonstration : {summary['accounts']} comptes.")


def demo_password() -> str:
    # Readable, and meeting the staff password rules (length, case, digits).
    return f"Demo-{secrets.token_hex(4)}-{secrets.randbelow(90) + 10}A"


async def load_demo(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    await migrate(engine)
    bind(engine)
    created = []
    for email, role, academie, uais, name in DEMO_USERS:
        if await User.exists().where(User.email == email):
            continue
        password = demo_password()
        await create_user(email, password, role, academie=academie, uais=uais, name=name)
        created.append((email, role, password))
    await demo_directory(settings)
    if created:
        print("Comptes de démonstration (mots de passe affichés une seule fois) :")
        for email, role, password in created:
            print(f"  {role:<13} {email:<46} {password}")
    else:
        print("Comptes de démonstration déjà créés (mots de passe affichés au premier démarrage).")
