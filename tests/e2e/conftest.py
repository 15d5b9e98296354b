"""Browser tests: the real app served by uvicorn in a subprocess, driven by Debian's Chromium.

Fixtures for every test of tests/e2e:

- ``live_server`` (session): a :class:`LiveServer` (``.url``, ``.data_dir``, ``.database_url``,
  ``.env``, ``.log_path``) on a free loopback port, with a data folder and a SQLite file of its
  own. Its HELPDESK_* environment is ``SERVER_ENV`` below, the one place to add a setting
  that the session's server needs; ``start_live_server(folder, extra_env)`` starts another
  server for a test that needs other settings.
- ``browser`` (session) and ``page`` (one new context per test, ``locale="fr-FR"``);
  ``new_context(**options)`` for other contexts (``java_script_enabled=False``...).

The tests are plain sync ``def`` tests (Playwright's sync API), marked ``e2e`` here, and skipped
when /usr/bin/chromium is missing. The sync API keeps its own event loop registered as the
thread's running loop: PlaywrightLoop registers it only for the time of each e2e test, so that
the asyncio tests which follow (pytest-asyncio) can still run their loops.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from helpdesk import PROJECT_DIR

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_JS = PROJECT_DIR / "node_modules" / "axe-core" / "axe.min.js"
E2E_DIR = Path(__file__).parent
STARTUP_TIMEOUT = 20.0  # seconds for the server to answer /health
# Playwright's actions, waits and expect(): the full suite loads both cores, and a page that
# answers in 50 ms on a quiet machine may then take seconds.
DEFAULT_TIMEOUT_MS = 15_000

# The environment of the served app, in one place: the data folder, the database URL, host,
# port and base URL are added by start_live_server.
SERVER_ENV: dict[str, str] = {
    "HELPDESK_RATE_LIMIT_DISABLED": "1",
    "HELPDESK_SECRET_KEY": "cle-des-tests-navigateur",
    # Demo mode: mails are caught by the server's local SMTP catcher, listed on /demo/courriels.
    "HELPDESK_DEMO": "1",
    "HELPDESK_MAIL_POLL_SECONDS": "0.2",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test of this folder is an e2e test, skipped when there is no Chromium."""
    skip = pytest.mark.skip(
        reason=f"Chromium de Debian absent ({CHROMIUM}) : `make browser` l'installe"
    )
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.e2e)
            if not CHROMIUM.exists():
                item.add_marker(skip)


@dataclass
class LiveServer:
    url: str  # http://127.0.0.1:<port>, without a trailing slash
    data_dir: Path
    database_url: str
    env: dict[str, str]  # the HELPDESK_* variables the server was started with
    log_path: Path  # the server's stdout and stderr
    process: subprocess.Popen = field(repr=False)

    def at(self, path: str) -> str:
        """The absolute URL of a path: live_server.at("/aide")."""
        return self.url + path

    def get_json(self, path: str) -> dict:
        """GET an API path from outside the browser."""
        with urllib.request.urlopen(self.at(path), timeout=5) as response:
            return json.load(response)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def cli(self, *args: str) -> str:
        """Run a `helpdesk` command on this server's database and data folder."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
        env.update(self.env)
        done = subprocess.run(
            [sys.executable, "-m", "helpdesk.cli", *args],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_health(server: LiveServer) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"le serveur s'est arrêté (code {server.process.returncode}) :\n{server.log()}"
            )
        try:
            with urllib.request.urlopen(server.at("/health"), timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"/health ne répond pas après {STARTUP_TIMEOUT} s :\n{server.log()}")


@contextmanager
def start_live_server(
    folder: Path, extra_env: dict[str, str] | None = None, workers: int = 1
) -> Iterator[LiveServer]:
    """`helpdesk serve` in a subprocess (`workers` processes), with its data and SQLite
    database under folder."""
    data_dir = folder / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database_url = f"sqlite:///{data_dir / 'helpdesk.sqlite3'}"  # absolute: sqlite:////tmp/…
    helpdesk_env = {
        **SERVER_ENV,
        "HELPDESK_DATA_DIR": str(data_dir),
        "HELPDESK_DATABASE_URL": database_url,
        "HELPDESK_HOST": "127.0.0.1",
        "HELPDESK_PORT": str(port),
        "HELPDESK_BASE_URL": url,
        "HELPDESK_DEMO_SMTP_PORT": str(free_port()),
        "HELPDESK_MAILIN_PORT": str(free_port()),
        **(extra_env or {}),
    }
    # Nothing of the caller's HELPDESK_* settings (a developer's PostgreSQL, Redis...) leaks in.
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env.update(helpdesk_env)
    env["PYTHONUNBUFFERED"] = "1"
    log_path = folder / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "helpdesk.cli", "serve", "--no-access-log"]
            + ["--workers", str(workers)],
            cwd=PROJECT_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(url, data_dir, database_url, helpdesk_env, log_path, process)
    try:
        _wait_for_health(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with start_live_server(tmp_path_factory.mktemp("live_server")) as server:
        yield server


class PlaywrightLoop:
    """The event loop of Playwright's sync API, marked as this thread's running loop only while
    a browser test runs.

    Between two sync calls, Playwright keeps its loop registered as the running loop of the
    thread (its dispatcher needs it when it resumes). An asyncio test that comes later in the
    suite (pytest-asyncio) would then fail with "Runner.run() cannot be called from a running
    event loop". So the loop is registered for the time of each e2e test and unregistered
    after it: between tests the dispatcher is suspended and nothing of Playwright runs.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def enter(self) -> None:
        running = asyncio._get_running_loop()
        if running is not None and running is not self.loop:
            raise RuntimeError(
                "un test e2e s'exécute dans une boucle asyncio : écrivez-le en `def`, pas en "
                "`async def` (API synchrone de Playwright)"
            )
        asyncio._set_running_loop(self.loop)

    def leave(self) -> None:
        if asyncio._get_running_loop() is self.loop:
            asyncio._set_running_loop(None)


@pytest.fixture(scope="session")
def _playwright() -> Iterator[tuple]:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium de Debian absent ({CHROMIUM}) : `make browser` l'installe")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
    manager = sync_playwright()
    playwright = manager.start()
    loop = PlaywrightLoop(manager._loop)
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
    except BaseException:
        playwright.stop()
        raise
    loop.leave()
    yield chromium, loop
    loop.enter()
    try:
        chromium.close()
    finally:
        playwright.stop()  # unregisters the loop too
        loop.leave()


@pytest.fixture(autouse=True)
def _playwright_loop(request: pytest.FixtureRequest) -> Iterator[None]:
    """Registers Playwright's loop around each test that uses the browser (see PlaywrightLoop);
    set up first and torn down last, so the contexts close while it is registered."""
    if "_playwright" not in request.fixturenames:
        yield
        return
    loop: PlaywrightLoop = request.getfixturevalue("_playwright")[1]
    loop.enter()
    try:
        yield
    finally:
        loop.leave()


@pytest.fixture(scope="session")
def browser(_playwright: tuple):
    """Debian's Chromium, headless, shared by the whole session."""
    return _playwright[0]


@pytest.fixture
def new_context(browser, live_server: LiveServer) -> Iterator[Callable]:
    """new_context(**options): a French context on the live server, closed after the test."""
    contexts = []

    def make(**options):
        options = {"locale": "fr-FR", "base_url": live_server.url, **options}
        context = browser.new_context(**options)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    """A page of a new context (JavaScript on) for this test only."""
    return new_context().new_page()
