"""`helpdesk worker`, the process production runs: it sends the outbox to the SMTP server and
stops cleanly on SIGTERM."""

import asyncio
import os
import signal
import subprocess
import sys
import time

from helpdesk import PROJECT_DIR
from helpdesk.mail.tables import OutboxMail
from tests.helpers import VALID_FORM, submit_form


def worker_env(settings, smtp_port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    return env | {
        "HELPDESK_DATABASE_URL": settings.database_url,
        "HELPDESK_DATA_DIR": str(settings.data_dir),
        "HELPDESK_SECRET_KEY": settings.secret_key,
        "HELPDESK_SMTP_HOST": "127.0.0.1",
        "HELPDESK_SMTP_PORT": str(smtp_port),
        "HELPDESK_MAIL_POLL_SECONDS": "0.2",
        **extra,
    }


async def test_the_worker_process_sends_and_stops_on_sigterm(client, settings, smtp_server):
    assert (await submit_form(client, VALID_FORM)).status_code == 303
    worker = subprocess.Popen(
        [sys.executable, "-m", "helpdesk.cli", "worker"],
        cwd=PROJECT_DIR,
        env=worker_env(settings, smtp_server.port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while not smtp_server.messages and time.monotonic() < deadline:
            assert worker.poll() is None, worker.stdout.read().decode()
            await asyncio.sleep(0.1)
        assert smtp_server.messages[0]["To"] == VALID_FORM["requester_email"]
        mail = await OutboxMail.select(OutboxMail.status).first()
        while mail["status"] != "sent" and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            mail = await OutboxMail.select(OutboxMail.status).first()
        assert mail["status"] == "sent"
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0
