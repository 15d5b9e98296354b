"""Fixtures of the account-services tests.

- `state`: settings (with an account-API key), the test database with its tables, Jinja.
- `local`: the LocalDirectory adapter on that database.
- `api_server`: the real app (create_app) on the same database, served by uvicorn on a free
  loopback port (one server thread for the session): the account API `/api/accounts/v1`.
- `service`: each port contract test runs twice, against LocalDirectory and against
  HttpAccountService talking to `api_server`.
- `family`: a small directory (see `seed`), identifiers by name.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import uvicorn

from helpdesk.accounts.http import HttpAccountService
from helpdesk.accounts.local import AccountRecord, LinkRecord, LocalDirectory
from helpdesk.accounts.port import ACTIVE, EN_COURS, INFORME
from helpdesk.app import create_app
from helpdesk.core.db import bind, make_engine, migrate, sqlite_path
from helpdesk.core.settings import Settings
from helpdesk.core.web import make_environment

API_KEY = "cle-api-comptes-de-test"
OT, LYON = "orleans-tours", "lyon"
TILLEULS, VAL_DE_LOIRE, CROIX_ROUSSE = "0450782F", "0451042N", "0693310Y"
PROVISIONAL = "Prov1s01re"  # Claire's provisional password
_MIGRATED: set[str] = set()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database with every table, copied for each test (faster than creating them)."""
    path = tmp_path_factory.mktemp("modele") / "modele.sqlite3"
    asyncio.run(migrate(make_engine(f"sqlite:///{path}")))
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The account API served (and called) with its key, here."""
    return settings.with_changes(accounts={"api_key": API_KEY})


@pytest.fixture
async def state(settings: Settings, sqlite_template: Path) -> SimpleNamespace:
    """What the accounts domain needs of the app: settings, the database, the Jinja setup."""
    if settings.is_sqlite:
        path = sqlite_path(settings.database_url)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(sqlite_template, path)
    engine = make_engine(settings.database_url)
    bind(engine)
    if not settings.is_sqlite and settings.database_url not in _MIGRATED:
        await migrate(engine)
        _MIGRATED.add(settings.database_url)
    return SimpleNamespace(
        settings=settings, engine=engine, jinja=make_environment(settings=settings)
    )


@pytest.fixture
def local(state: SimpleNamespace) -> LocalDirectory:
    return LocalDirectory(state.settings, state.jinja)


class ServerThread:
    """uvicorn in a thread of its own (its own event loop), serving whichever app the current
    test puts in `self.app`: one server for the session, each test's app on its database."""

    def __init__(self):
        self.port = free_port()
        self.app = None
        config = uvicorn.Config(
            self.dispatch,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="on",
            interface="asgi3",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    async def dispatch(self, scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        app = self.app
        if app is None:
            await send({"type": "http.response.start", "status": 503, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await app(scope, receive, send)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("le serveur de l'API des comptes n'a pas démarré")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="session")
def server_thread() -> Iterator[ServerThread]:
    server = ServerThread()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def api_server(state: SimpleNamespace, server_thread: ServerThread) -> Iterator[ServerThread]:
    """The real app (create_app), on this test's database, served on loopback."""
    server_thread.app = create_app(state.settings)
    bind(state.engine)
    yield server_thread
    server_thread.app = None


def http_service(url: str, **options) -> HttpAccountService:
    options = {"timeout": 5.0, "retries": 2, "backoff": 0.02, **options}
    return HttpAccountService(url, API_KEY, **options)


@pytest.fixture(params=["local", "http"])
def service(request: pytest.FixtureRequest, local: LocalDirectory):
    if request.param == "local":
        return local
    server = request.getfixturevalue("api_server")
    return http_service(server.url)


async def seed(directory: LocalDirectory) -> SimpleNamespace:
    """Three schools (two in Orléans-Tours, one in Lyon) and families with one problem each."""
    a = AccountRecord
    accounts = [
        # Léo's birth date is wrong in the base; his mother cannot activate her account.
        a("leo", "eleve", "Léo", "Martin", TILLEULS, state=ACTIVE, birth_date="2014-04-03",
          ine="123456789AB", classe="6e A", flags={"date_naissance_signalee_incorrecte"}),
        a("claire", "responsable", "Claire", "Martin", TILLEULS, state=INFORME,
          provisional=PROVISIONAL, email="claire.martin@example.fr", mobile="0612345678",
          flags={"date_naissance_signalee_incorrecte"}),
        # Paul: activated, two children, one of them on a second account made by the lycée.
        a("paul", "responsable", "Paul", "Martin", TILLEULS, state=ACTIVE, origin="Responsable",
          email="paul.martin@example.fr", mobile="0611111111"),
        a("ines", "eleve", "Inès", "Martin", VAL_DE_LOIRE, state=INFORME,
          birth_date="2009-06-12", ine="223456789AB", classe="1re 2"),
        a("paul_lycee", "responsable", "Paul", "MARTIN", VAL_DE_LOIRE),
        # Nadia: never informed; her son too.
        a("sami", "eleve", "Sami", "Haddad", TILLEULS, birth_date="2013-01-20"),
        a("nadia", "responsable", "Nadia", "Haddad", TILLEULS, email="nadia.haddad@example.org"),
        # Luc typed a wrong address at activation: "En cours d'activation".
        a("emma", "eleve", "Emma", "Bernard", TILLEULS, state=ACTIVE),
        a("luc", "responsable", "Luc", "Bernard", TILLEULS, state=EN_COURS,
          email="luc.bernard@exemple.fr", mobile="0622222222"),
        # Sophie's account is compromised; Marc's mail bounces; Karim reported a wrong link.
        a("sophie", "responsable", "Sophie", "Durand", TILLEULS, state=ACTIVE,
          email="sophie.durand@example.fr", flags={"compromis"}, password_kind=""),
        a("marc", "responsable", "Marc", "Petit", TILLEULS, state=ACTIVE,
          email="marc.petit@example.fr", flags={"adresse_mail_en_erreur"}),
        a("karim", "responsable", "Karim", "Benali", TILLEULS, state=ACTIVE,
          flags={"rattachement_signale_errone"}),
        # Hélène: children in two schools, where her name is not written the same way.
        a("helene", "responsable", "Hélène", "Roux", TILLEULS, birth_name="Garnier",
          state=ACTIVE, origin="FranceConnect"),
        # In Lyon.
        a("lina", "eleve", "Lina", "Dupont", CROIX_ROUSSE, state=ACTIVE),
        a("jean", "responsable", "Jean", "Dupont", CROIX_ROUSSE, state=ACTIVE,
          email="jean.dupont@example.net"),
    ]  # fmt: skip
    links = [
        LinkRecord("claire", "leo", status="non_confirme"),
        LinkRecord("paul", "leo"),
        LinkRecord("paul_lycee", "ines", status="non_confirme"),
        LinkRecord("nadia", "sami", status="non_confirme"),
        LinkRecord("luc", "emma"),
        LinkRecord("sophie", "emma", relation="Personne en charge"),
        LinkRecord("karim", "sami", status="signale_errone"),
        LinkRecord("helene", "emma"),
        LinkRecord("helene", "ines", names=("Hélène", "Roux-Garnier")),
        LinkRecord("jean", "lina"),
    ]
    identifiers = await directory.import_records(
        accounts,
        links,
        [
            (TILLEULS, "Collège des Tilleuls", "Orléans", OT),
            (VAL_DE_LOIRE, "Lycée du Val de Loire", "Orléans", OT),
            (CROIX_ROUSSE, "Collège de la Croix-Rousse", "Lyon", LYON),
        ],
    )
    return SimpleNamespace(**identifiers)


@pytest.fixture
async def family(local: LocalDirectory) -> SimpleNamespace:
    return await seed(local)


@pytest.fixture
def port() -> Iterator[int]:
    yield free_port()
