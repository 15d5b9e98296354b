"""`helpdesk purge`: closed requests past HELPDESK_RETENTION_DAYS lose every personal datum,
the statistics stay, open requests are left alone."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

from helpdesk.auth.tables import AuditLog
from helpdesk.mail.tables import OutboxMail
from helpdesk.privacy.purge import purge
from helpdesk.tickets.tables import Attachment, Ticket
from tests.helpers import (
    VALID_FORM,
    bearer,
    follow_token,
    login,
    stored_files,
    submit_form,
    text_of,
)
from tests.privacy.conftest import after_retention
from tests.tickets.test_form import PNG

ROOT = Path(__file__).resolve().parents[2]
PERSONAL = [
    "Claire",
    "Martin",
    "claire.martin@example.fr",
    "06 12 34 56 78",
    "Léo",
    "refusée à l'activation",
]


async def two_requests(desk) -> tuple[str, str, str, str]:
    """A request with a screenshot and a public reply, closed; another one still open."""
    sent = await submit_form(
        desk, VALID_FORM, files={"piece_jointe": ("capture.png", PNG, "image/png")}
    )
    closed_token = follow_token(sent.headers["location"])
    other = await submit_form(desk, {**VALID_FORM, "requester_first_name": "Sophie"})
    open_token = follow_token(other.headers["location"])
    closed, still_open = [r["reference"] for r in await Ticket.select().order_by(Ticket.id)]
    headers = await bearer(desk, "agent@ot.fr")
    reply = {"body": "Bonjour Claire, la date du 04/03/2016 est corrigée.", "internal": False}
    await desk.post(f"/api/v1/tickets/{closed}/messages", json=reply, headers=headers)
    await desk.patch(f"/api/v1/tickets/{closed}", json={"status": "clos"}, headers=headers)
    return closed, closed_token, still_open, open_token


async def statistics_page(desk) -> str:
    await login(desk, "chef@ot.fr")
    page = text_of(await desk.get("/agent/statistiques"))
    csv = (await desk.get("/agent/statistiques.csv")).text
    return page + csv


async def test_purge_anonymises_closed_requests_past_the_delay(desk, settings):
    closed, closed_token, still_open, open_token = await two_requests(desk)
    stats_before = await statistics_page(desk)
    await login(desk, "agent@ot.fr")
    assert await stored_files(settings) == 1
    assert await AuditLog.count().where(AuditLog.ip != "") >= 3

    # Not past the delay today: nothing to do.
    assert (await purge(settings.privacy.retention_days, settings, dry_run=True)).tickets == 0

    # A dry run counts and changes nothing.
    as_of = after_retention(settings)
    before = await Ticket.select().order_by(Ticket.id)
    report = await purge(settings.privacy.retention_days, settings, as_of=as_of, dry_run=True)
    assert (report.tickets, report.attachments) == (1, 1)
    assert report.audit_ips >= 3
    assert await Ticket.select().order_by(Ticket.id) == before
    assert await stored_files(settings) == 1

    report = await purge(settings.privacy.retention_days, settings, as_of=as_of)
    assert (report.tickets, report.attachments, report.references) == (1, 1, [closed])
    page = text_of(await desk.get(f"/agent/tickets/{closed}"))
    assert closed in page
    for word in PERSONAL + ["la date du 04/03/2016 est corrigée"]:
        assert not re.search(rf"\b{re.escape(word)}\b", page), word
    assert await stored_files(settings) == 0 and await Attachment.count() == 0
    assert (await desk.get(f"/suivi/{closed_token}")).status_code == 404
    assert await AuditLog.count().where(AuditLog.ip != "") == 0
    assert await OutboxMail.count().where(OutboxMail.ticket_reference == closed) == 0
    assert await OutboxMail.count().where(OutboxMail.ticket_reference == still_open) == 1
    row = await Ticket.select().where(Ticket.reference == closed).first()
    assert (row["academie"], row["category"], row["status"]) == (
        "orleans-tours",
        "date_naissance",
        "clos",
    )
    assert row["created_at"] and row["closed_at"] and row["first_response_at"]

    # The open request is untouched.
    follow = text_of(await desk.get(f"/suivi/{open_token}"))
    assert "refusée à l'activation" in follow
    assert (await Ticket.select().where(Ticket.reference == still_open).first())[
        "requester_email"
    ] == "claire.martin@example.fr"

    # Idempotent; the statistics are those of before.
    again = await purge(settings.privacy.retention_days, settings, as_of=as_of)
    assert (again.tickets, again.attachments, again.audit_ips) == (0, 0, 0)
    assert await statistics_page(desk) == stats_before


async def test_the_search_still_finds_the_reference_only(desk, settings):
    closed, *_ = await two_requests(desk)
    await purge(settings.privacy.retention_days, settings, as_of=after_retention(settings))
    await login(desk, "agent@ot.fr")
    queue = text_of(await desk.get("/agent", params={"q": closed, "status": "clos"}))
    assert closed in queue
    assert closed not in text_of(await desk.get("/agent", params={"q": "Martin", "status": "clos"}))


def run_cli(settings, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HELPDESK_DATABASE_URL": settings.database_url,
        "HELPDESK_DATA_DIR": str(settings.data_dir),
        "HELPDESK_SECRET_KEY": "cle-de-test",
    }
    return subprocess.run(
        [sys.executable, "-m", "helpdesk.cli", "purge", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_the_purge_command(desk, settings):
    closed, *_ = await two_requests(desk)
    as_of = after_retention(settings).isoformat()
    dry = run_cli(settings, "--dry-run", "--as-of", as_of)
    assert dry.returncode == 0, dry.stderr
    assert "Simulation, rien n'est changé" in dry.stdout
    assert "1 demande(s) à anonymiser" in dry.stdout
    assert "1 pièce(s) jointe(s) à supprimer" in dry.stdout
    assert (await Ticket.select().where(Ticket.reference == closed).first())["requester_email"]

    done = run_cli(settings, "--as-of", as_of)
    assert done.returncode == 0, done.stderr
    assert "1 demande(s) anonymisée(s)" in done.stdout
    assert (await Ticket.select().where(Ticket.reference == closed).first())[
        "requester_email"
    ] == ""
    assert "0 demande(s) anonymisée(s)" in run_cli(settings, "--as-of", as_of).stdout

    wrong = run_cli(settings, "--as-of", "04/03/2026")
    assert wrong.returncode == 2
    assert "Date invalide" in wrong.stderr and "Traceback" not in wrong.stderr


async def test_the_worker_round_purges_once_a_day(desk, settings):
    from helpdesk.privacy.nightly import privacy_chores
    from helpdesk.state import worker_state

    closed, *_ = await two_requests(desk)
    state = worker_state(settings)
    later = dt.datetime.combine(after_retention(settings), dt.time(3), dt.UTC)
    await privacy_chores(state, later)
    assert (await Ticket.select().where(Ticket.reference == closed).first())["message"] == ""
    assert state.privacy_purged_on == later.date()


async def test_the_housekeeping_round_runs_the_purge(desk, settings):
    """The loop of `helpdesk worker` (and of a lone web process) does it."""
    from helpdesk.housekeeping import run_chores
    from helpdesk.state import worker_state

    closed, *_ = await two_requests(desk)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=settings.privacy.retention_days + 2)
    await Ticket.update({Ticket.closed_at: long_ago}).where(Ticket.reference == closed)
    await run_chores(worker_state(settings))
    assert (await Ticket.select().where(Ticket.reference == closed).first())["message"] == ""
    assert await stored_files(settings) == 0
