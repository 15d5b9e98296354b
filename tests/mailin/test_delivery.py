"""What else comes in by mail: bounces flag the ticket, auto-replies never loop, oversized and
unreadable mails are refused or kept aside, and a database away means « try again later »."""

import asyncio
import shutil
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib
import asyncpg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from helpdesk.core.db import postgres_config
from helpdesk.mail.tables import OutboxMail
from helpdesk.mailin.tables import AddressBounce, QuarantinedMail, ReceivedMail
from helpdesk.tickets.tables import Ticket
from tests.helpers import login, make_staff, text_of
from tests.mailin.conftest import DOMAIN, PARENT, messages_of, reply


def dsn(to: str, original_id: str, reason: str = "User unknown") -> bytes:
    """A delivery status notification as Postfix writes it (RFC 3464)."""
    return f"""From: Mail Delivery System <MAILER-DAEMON@mx.example.fr>
To: {to}
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
Message-ID: {make_msgid(domain="mx.example.fr")}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B0UND"

--B0UND
Content-Type: text/plain; charset=utf-8

This is the mail system at host mx.example.fr. Your message could not be delivered.

--B0UND
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.fr

Final-Recipient: rfc822; {PARENT}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <{PARENT}>: Recipient address rejected: {reason}

--B0UND
Content-Type: text/rfc822-headers

From: Assistance <ne-pas-repondre@assistance.localhost>
To: {PARENT}
Subject: Votre demande
Message-ID: {original_id}

--B0UND--
""".replace("\n", "\r\n").encode()


async def test_a_bounce_flags_the_ticket_on_the_agent_page_and_in_the_queue(mailin):
    ticket = await mailin.ticket()
    sent = await mailin.sent_mail(ticket["reference"])
    # To the help desk's sender address (matched by the original Message-ID), and to the
    # signed address, where the mails of a ticket bounce (their envelope sender).
    await mailin.send(
        dsn(f"ne-pas-repondre@{DOMAIN}", sent["Message-ID"]), [f"ne-pas-repondre@{DOMAIN}"]
    )
    other = await mailin.ticket()
    signed = str((await mailin.sent_mail(other["reference"]))["Reply-To"])
    await mailin.send(dsn(signed, "<inconnu@ailleurs>", "Mailbox full"), [signed])
    bounces = await AddressBounce.select().order_by(AddressBounce.id)
    assert [b["ticket_id"] for b in bounces] == [ticket["id"], other["id"]]
    assert "Recipient address rejected: User unknown" in bounces[0]["reason"]
    assert bounces[0]["address"] == PARENT
    # Neither a message on the ticket nor a reopening, nor a mail back.
    assert len(await messages_of(ticket["id"])) == 1
    assert await OutboxMail.count() == 2
    await make_staff("agent@ac-orleans-tours.fr")
    await login(mailin.client, "agent@ac-orleans-tours.fr")
    page = text_of(await mailin.client.get(f"/agent/tickets/{ticket['reference']}"))
    assert "Adresse du demandeur en erreur" in page
    assert "Recipient address rejected: User unknown" in page
    queue = text_of(await mailin.client.get("/agent"))
    assert queue.count("Adresse en erreur") == 2 and "Mailbox full" in queue


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied", "Subject": "Réponse automatique"},
        {"Precedence": "bulk"},
        {"List-Id": "<parents.liste.example.fr>"},
        {"Subject": "Absent du bureau jusqu'au 8 décembre"},
        {"From": "MAILER-DAEMON@mx.example.fr"},
        {"From": "Assistance <ne-pas-repondre@assistance.localhost>"},
    ],
)
async def test_an_auto_reply_never_reopens_nor_gets_an_answer(mailin, headers):
    ticket = await mailin.ticket(status="resolu")
    outbox = await OutboxMail.count()
    answer = reply(await mailin.sent_mail(ticket["reference"]), "Je suis absente.", **headers)
    await mailin.send(answer)
    after = await Ticket.select().where(Ticket.id == ticket["id"]).first()
    assert after["status"] == "resolu"
    assert len(await messages_of(ticket["id"])) == 1
    assert await OutboxMail.count() == outbox
    assert (await ReceivedMail.select().first())["outcome"] == "automatique"


async def test_a_30_mb_mail_is_refused_at_data(mailin):
    ticket = await mailin.ticket()
    signed = str((await mailin.sent_mail(ticket["reference"]))["Reply-To"])
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=mailin.port, timeout=60)
    await smtp.connect()
    await smtp.mail(PARENT)  # without SIZE: the receiver sees the size only at DATA
    await smtp.rcpt(signed)
    big = (
        b"Subject: lourd\r\nFrom: "
        + PARENT.encode()
        + b"\r\n\r\n"
        + (b"x" * 998 + b"\r\n") * 30_000
    )
    with pytest.raises(aiosmtplib.SMTPDataError) as refused:
        await smtp.data(big)
    assert refused.value.code == 552
    smtp.close()
    assert len(await messages_of(ticket["id"])) == 1
    assert await ReceivedMail.count() == 0


async def test_unreadable_or_unplaced_mails_are_kept_in_quarantine_for_the_admins(mailin):
    no_sender = b"Subject: sans expediteur\r\nTo: x@assistance.test\r\n\r\nBonjour\r\n"
    nested = b"From: " + PARENT.encode() + b"\r\nSubject: poupees russes\r\nMIME-Version: 1.0\r\n"
    for depth in range(12):
        nested += (
            f'Content-Type: multipart/mixed; boundary="b{depth}"\r\n\r\n--b{depth}\r\n'.encode()
        )
    nested += b"Content-Type: text/plain\r\n\r\nau fond\r\n"
    nowhere = EmailMessage()
    nowhere["From"] = PARENT
    nowhere["To"] = f"personne@{DOMAIN}"
    nowhere["Subject"] = "Pour qui ?"
    nowhere.set_content("Une question sans demande ni académie.")
    await mailin.send(no_sender, [f"assistance-orleans-tours@{DOMAIN}"])
    await mailin.send(nested, [f"assistance-orleans-tours@{DOMAIN}"])
    await mailin.send(nowhere)
    kept = await QuarantinedMail.select().order_by(QuarantinedMail.id)
    assert [bytes(k["raw"]) for k in kept[:2]] == [no_sender, nested]
    assert "expéditeur" in kept[0]["reason"] and "niveaux" in kept[1]["reason"]
    assert "Aucune demande ni aucune académie" in kept[2]["reason"]
    assert await Ticket.count() == 0
    await make_staff("agent@ac-orleans-tours.fr")
    await login(mailin.client, "agent@ac-orleans-tours.fr")
    refused = await mailin.client.get("/admin/courriels-en-quarantaine", follow_redirects=False)
    assert "Pour qui ?" not in text_of(refused)
    mailin.client.cookies.clear()
    await make_staff("admin@ac-orleans-tours.fr", role="admin")
    await login(mailin.client, "admin@ac-orleans-tours.fr")
    page = text_of(await mailin.client.get("/admin/courriels-en-quarantaine"))
    assert "Le courriel n'indique pas d'expéditeur" in page and "Pour qui ?" in page
    raw = await mailin.client.get(f"/admin/courriels-en-quarantaine/{kept[0]['id']}")
    assert raw.content == no_sender


async def test_database_away_means_try_again_later_and_nothing_is_lost(mailin, settings, backend):
    ticket = await mailin.ticket(status="resolu")
    answer = reply(await mailin.sent_mail(ticket["reference"]), "Envoyé pendant la panne.")
    async with database_away(settings, backend):
        with pytest.raises(aiosmtplib.SMTPDataError) as deferred:
            await mailin.send(answer)
        assert deferred.value.code == 451
    await mailin.send(answer)  # the sending server tries again
    assert [m["body"] for m in await messages_of(ticket["id"])][1:] == ["Envoyé pendant la panne."]
    assert (await Ticket.select().where(Ticket.id == ticket["id"]).first())["status"] == "en_cours"
    assert await ReceivedMail.count() == 1


class database_away:  # noqa: N801 (used as a statement: `async with database_away(...)`)
    """SQLite: the database file gone from its place (a directory stands there); PostgreSQL:
    the database refuses connections and those it had are cut."""

    def __init__(self, settings, backend):
        self.settings, self.backend = settings, backend

    async def __aenter__(self):
        if self.backend == "sqlite":
            self.path = self.settings.data_dir / "test.sqlite3"
            self.aside = self.settings.data_dir / "aside"
            self.aside.mkdir()
            for suffix in ("", "-wal", "-shm"):
                source = self.path.with_name(self.path.name + suffix)
                if source.exists():
                    shutil.move(source, self.aside / source.name)
            self.path.mkdir()
        else:
            await self.admin(
                "ALTER DATABASE {db} ALLOW_CONNECTIONS false",
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = '{name}' AND pid <> pg_backend_pid()",
            )
        return self

    async def __aexit__(self, *exc):
        if self.backend == "sqlite":
            self.path.rmdir()
            for file in self.aside.iterdir():
                shutil.move(file, self.path.parent / file.name)
        else:
            await self.admin("ALTER DATABASE {db} ALLOW_CONNECTIONS true")
        await asyncio.sleep(0)

    async def admin(self, *statements: str) -> None:
        config = postgres_config(self.settings.database_url)
        name = config["database"]
        connection = await asyncpg.connect(**{**config, "database": "postgres"})
        try:
            for sql in statements:
                await connection.execute(sql.format(db=f'"{name}"', name=name))
        finally:
            await connection.close()


async def test_metrics_count_received_mails_by_outcome_and_the_quarantine(mailin):
    """What `helpdesk mail-in` did is read from the database: any web process reports it."""
    ticket = await mailin.ticket()
    await mailin.send(reply(await mailin.sent_mail(ticket["reference"]), "Toujours bloquée."))
    await mailin.send(b"Subject: sans expediteur\r\n\r\nBonjour\r\n", [f"x@{DOMAIN}"])
    text = (await mailin.client.get("/metrics")).text
    values = {
        (s.name, s.labels.get("outcome", "")): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert values[("helpdesk_mailin_received_total", "reponse")] == 1
    assert values[("helpdesk_mailin_quarantined", "")] == 1
