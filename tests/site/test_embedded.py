"""The embedded default (`make run`: one process serves, migrates and sends the mails) and what
`helpdesk serve` refuses: through the real command on a free port, a real SMTP server."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from litestar.testing import AsyncTestClient

from helpdesk import PROJECT_DIR
from helpdesk.app import create_app
from helpdesk.core.settings import load_settings
from tests.e2e.conftest import free_port
from tests.helpers import VALID_API, VALID_FORM, csrf_token, form_id, login
from tests.mail.conftest import smtp_server  # noqa: F401 - fixture

PRODUCTION_URL = "https://assistance.ac-orleans-tours.fr"


def command_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment of a `helpdesk` command: nothing of the caller's HELPDESK_* settings, a
    data folder and a SQLite base of its own, rate limits off, then `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env |= {
        "HELPDESK_DATA_DIR": str(tmp_path / "data"),
        "HELPDESK_RATE_LIMIT_DISABLED": "1",
        "HELPDESK_MAIL_POLL_SECONDS": "0.2",
        "PYTHONUNBUFFERED": "1",
        **settings,
    }
    return env


def run_demo(env: dict[str, str]) -> subprocess.CompletedProcess:
    """`helpdesk demo`, as `make run` runs it before serving."""
    return subprocess.run(
        [sys.executable, "-m", "helpdesk.cli", "demo"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def serve(*args: str, env: dict[str, str], timeout: float = 20) -> subprocess.CompletedProcess:
    """`helpdesk serve` expected to end by itself (a refusal)."""
    return subprocess.run(
        [sys.executable, "-m", "helpdesk.cli", "serve", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@contextmanager
def serving(port: int, *args: str, env: dict[str, str], log: Path) -> Iterator[str]:
    """`helpdesk serve --port PORT *args` running; yields its URL, SIGTERM at the end."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "helpdesk.cli", "serve", "--port", str(port), *args],
            cwd=PROJECT_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            # uvicorn alone ends by raising the signal again, once shut down: -SIGTERM
            assert process.wait(timeout=30) in (0, -signal.SIGTERM), log.read_text()
            assert "Application shutdown complete" in log.read_text()
        finally:
            if process.poll() is None:
                process.kill()


def wait_for(condition, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.1)
    raise AssertionError("délai dépassé")


def submit_form(client: httpx.Client) -> httpx.Response:
    page = client.get(
        "/assistance", params={"academie": "orleans-tours", "categorie": "date_naissance"}
    )
    assert page.status_code == 200
    data = {"_csrf_token": csrf_token(page.text), "form_id": form_id(page.text), "js": "1"}
    return client.post(
        "/assistance",
        data={**data, **VALID_FORM},
        files={"piece_jointe": ("", b"")},
        follow_redirects=True,
    )


def mail_text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_one_process_sends_its_mails_and_every_link_follows_the_port_served(
    tmp_path,
    smtp_server,  # noqa: F811
):
    """`PORT=… make run` with an SMTP server: no `helpdesk worker`, no HELPDESK_BASE_URL, no
    HELPDESK_PORT; the port comes from the command line."""
    port = free_port()
    env = command_env(
        tmp_path,
        HELPDESK_SMTP_HOST="127.0.0.1",
        HELPDESK_SMTP_PORT=str(smtp_server.port),
        HELPDESK_DEMO="0",
    )
    links = f"http://127.0.0.1:{port}/suivi/"
    with serving(port, env=env, log=tmp_path / "serve.log") as url:
        with httpx.Client(base_url=url, timeout=10) as client:
            created = client.post("/api/v1/tickets", json=VALID_API)
            assert created.status_code == 201, created.text
            assert created.json()["follow_url"].startswith(links)
            confirmation = submit_form(client)
            assert confirmation.status_code == 200
            assert str(confirmation.url).startswith(links)
            shown = re.search(r'id="lien-suivi">([^<]+)<', confirmation.text).group(1)
            assert shown.startswith(links)
        mails = wait_for(lambda: len(smtp_server.messages) >= 2 and smtp_server.messages)
    assert len(mails) == 2
    for mail in mails:
        assert links in mail_text(mail)
        assert ":8000" not in mail_text(mail)


def test_several_processes_leave_the_mails_to_helpdesk_worker(tmp_path, smtp_server):  # noqa: F811
    """Production: a public address, the secret key from the environment, two processes."""
    port = free_port()
    env = command_env(
        tmp_path,
        HELPDESK_SMTP_HOST="127.0.0.1",
        HELPDESK_SMTP_PORT=str(smtp_server.port),
        HELPDESK_BASE_URL=PRODUCTION_URL,
        HELPDESK_SECRET_KEY="une-cle-de-production-pour-le-test",
    )
    with serving(port, "--workers", "2", env=env, log=tmp_path / "serve.log") as url:
        created = httpx.post(f"{url}/api/v1/tickets", json=VALID_API, timeout=10)
        assert created.status_code == 201, created.text
        assert created.json()["follow_url"].startswith(f"{PRODUCTION_URL}/suivi/")
        time.sleep(1.5)  # seven times the sender's poll: nothing sent by the app
        assert smtp_server.messages == []
        worker = subprocess.run(
            [sys.executable, "-m", "helpdesk.cli", "worker", "--once"],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert worker.returncode == 0, worker.stderr
    assert len(smtp_server.messages) == 1
    assert f"{PRODUCTION_URL}/suivi/" in mail_text(smtp_server.messages[0])


def test_demo_with_a_public_address_is_refused(tmp_path):
    env = command_env(tmp_path, HELPDESK_DEMO="1", HELPDESK_BASE_URL=PRODUCTION_URL)
    done = serve("--port", str(free_port()), env=env)
    assert done.returncode != 0
    assert "Mode démonstration refusé" in done.stderr
    assert PRODUCTION_URL in done.stderr


def test_demo_is_served_by_one_process_only(tmp_path):
    env = command_env(tmp_path, HELPDESK_DEMO="1")
    done = serve("--workers", "2", "--port", str(free_port()), env=env)
    assert done.returncode != 0
    assert "un seul processus" in done.stderr


def test_demo_data_are_not_loaded_for_a_public_address(tmp_path):
    env = command_env(tmp_path, HELPDESK_DEMO="1", HELPDESK_BASE_URL=PRODUCTION_URL)
    done = run_demo(env)
    assert done.returncode != 0
    assert "Mode démonstration refusé" in done.stderr
    assert not (tmp_path / "data" / "helpdesk.sqlite3").exists()


def test_demo_served_on_every_interface_without_base_url_is_refused(tmp_path):
    env = command_env(tmp_path, HELPDESK_DEMO="1")
    done = serve("--host", "0.0.0.0", "--port", str(free_port()), env=env)
    assert done.returncode != 0
    assert "Mode démonstration refusé" in done.stderr


def test_production_with_a_key_generated_in_the_data_folder_is_refused(tmp_path):
    env = command_env(tmp_path, HELPDESK_BASE_URL=PRODUCTION_URL)
    done = serve("--workers", "2", "--port", str(free_port()), env=env)
    assert done.returncode != 0
    assert "HELPDESK_SECRET_KEY" in done.stderr
    assert "Clé secrète manquante" in done.stderr


@pytest.mark.parametrize(
    ("trusted", "statuses"),
    [
        ("", [200, 200, 200]),  # default: loopback, the test's address; one counter per client
        ("192.0.2.1", [200, 200, 429]),  # not us: X-Forwarded-For ignored, one counter for all
    ],
)
def test_proxy_headers_count_only_from_the_trusted_proxies(tmp_path, trusted, statuses):
    """The triage API allows 2 requests a minute per client address (HELPDESK_RATE_LIMIT_TRIAGE)."""
    env = command_env(tmp_path, HELPDESK_RATE_LIMIT_TRIAGE="2", HELPDESK_DEMO="0")
    env.pop("HELPDESK_RATE_LIMIT_DISABLED")
    if trusted:
        env["HELPDESK_TRUSTED_PROXIES"] = trusted
    with serving(free_port(), env=env, log=tmp_path / "serve.log") as url:
        got = [
            httpx.post(
                f"{url}/api/v1/triage",
                json={"text": "mot de passe oublié"},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
                timeout=10,
            ).status_code
            for n in range(3)
        ]
    assert got == statuses


def test_demo_only_when_asked_and_links_follow_the_settings(monkeypatch, tmp_path):
    for name in [n for n in os.environ if n.startswith("HELPDESK_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HELPDESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HELPDESK_PORT", "8101")
    settings = load_settings()
    assert not settings.demo
    assert settings.public_base_url == "http://127.0.0.1:8101"
    assert settings.secret_key_generated and settings.served_locally
    monkeypatch.setenv("HELPDESK_BASE_URL", "http://localhost:9000/")
    assert load_settings().public_base_url == "http://localhost:9000"
    monkeypatch.setenv("HELPDESK_SECRET_KEY", "cle")
    assert not load_settings().secret_key_generated
    monkeypatch.setenv("HELPDESK_DEMO", "1")
    assert load_settings().demo


async def test_the_demo_creates_its_staff_and_each_can_log_in(monkeypatch, tmp_path):
    """`make run` runs `helpdesk demo`: its accounts are created, printed once, and usable."""
    env = command_env(tmp_path, HELPDESK_DEMO="1")
    done = run_demo(env)
    assert done.returncode == 0, done.stderr
    printed = re.findall(r"^\s+(\w+)\s+(\S+@\S+)\s+(Demo-\S+)$", done.stdout, re.MULTILINE)
    assert {role for role, _, _ in printed} == {
        "agent",
        "supervisor",
        "establishment",
        "admin",
    }
    for name in [n for n in os.environ if n.startswith("HELPDESK_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = create_app(load_settings())
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as client:
        for _, email, password in printed:
            client.cookies.clear()
            response = await login(client, email, password)
            assert response.status_code in (302, 303), email
    again = run_demo(env)
    assert again.returncode == 0 and "déjà créés" in again.stdout
