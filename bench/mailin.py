"""Mails placed per second by `helpdesk mail-in`, over SMTP, with 8 senders at once, on
PostgreSQL; and that none is lost.

    .venv/bin/python bench/mailin.py [--mails 3000] [--senders 8] [--tickets 300] [--processes 2]

A database of its own is created (and dropped at the end), migrated, and given `--tickets`
requests made by the ticket service; `helpdesk mail-in` is started on a free loopback port;
each sender keeps one SMTP connection, as a relaying mail server does, and sends its share of
the parents' replies (to the signed reply address, with the quoted history, a third with an
HTML part too). A mail answered 4xx is sent again after a pause. The rate is the mails accepted
(250) over the time from the first to the last; then the database must hold every mail once
(one message on its ticket per Message-ID).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.benchlib import (  # noqa: E402
    CpuWatch,
    Processes,
    create_pg_database,
    drop_pg_database,
    free_port,
    helpdesk_env,
    machine_info,
    new_pg_name,
    pg_url,
    wait_port,
)

DOMAIN = "assistance.bench"
QUOTE = "\n".join(
    f"> {line}"
    for line in (
        "Bonjour Claire Martin,",
        "L'assistance académique a répondu à votre demande :",
        "Pouvez-vous nous envoyer la date de naissance indiquée sur le livret de famille ?",
        "Votre page de suivi, pour répondre ou compléter votre demande :",
        "http://127.0.0.1:8000/suivi/xxxxxxxxxxxxxxxxxxxxxxxx",
    )
)


def run(argv: list[str], env: dict) -> None:
    import subprocess

    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} a échoué :\n{result.stdout}{result.stderr}")


async def seed(env: dict, count: int) -> list[str]:
    """`count` requests made by the ticket service, as the form makes them."""
    os.environ.update(env)
    from helpdesk.core.db import bind, make_engine
    from helpdesk.core.settings import load_settings
    from helpdesk.state import worker_state
    from helpdesk.tickets.service import TicketService
    from helpdesk.tickets.validation import CleanRequest

    settings = load_settings()
    engine = make_engine(settings.database_url)
    bind(engine)
    service = TicketService(worker_state(settings, engine))
    references = []
    for n in range(count):
        request = CleanRequest(
            academie="orleans-tours",
            category="date_naissance",
            degre="1er",
            message="La date de naissance de mon fils est refusée à l'activation du compte.",
            requester_kind="parent",
            requester_first_name="Claire",
            requester_last_name=f"Martin{n}",
            requester_email=f"parent{n}@example.fr",
        )
        references.append((await service.create(request)).reference)
    return references


def mails(settings, references: list[str], count: int) -> list[EmailMessage]:
    from helpdesk.mail.address import reply_address

    out = []
    for n in range(count):
        index = random.randrange(len(references))
        reference = references[index]
        message = EmailMessage()
        message["From"] = f"Claire Martin{index} <parent{index}@example.fr>"
        message["To"] = reply_address(settings, reference)
        message["Subject"] = f"Re: Réponse à votre demande {reference}"
        message["Message-ID"] = f"<bench-{n}-{secrets.token_hex(6)}@example.fr>"
        text = f"Bonjour,\nvoici la date : 04/03/2016 (message {n}).\nCordialement\n\n"
        message.set_content(f"{text}Le 4 déc. 2026 à 10:00, Assistance a écrit :\n{QUOTE}\n")
        if n % 3 == 0:
            message.add_alternative(
                f"<p>{text}</p><blockquote>{QUOTE}</blockquote>", subtype="html"
            )
        out.append(message)
    return out


async def sender(port: int, share: list[EmailMessage], stats: dict) -> None:
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=60)
    await smtp.connect()
    for message in share:
        while True:
            try:
                await smtp.send_message(message)
                stats["accepted"] += 1
                break
            except aiosmtplib.SMTPResponseException as error:
                if error.code // 100 != 4:
                    stats["refused"] += 1
                    break
                stats["deferred"] += 1
                await asyncio.sleep(0.5)
    await smtp.quit()


async def count_stored(url: str) -> tuple[int, int]:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        received = await connection.fetchval("SELECT COUNT(*) FROM received_mail")
        messages = await connection.fetchval(
            "SELECT COUNT(*) FROM ticket_event WHERE kind = 'message' AND author = 'demandeur'"
        )
    finally:
        await connection.close()
    return received, messages


def main() -> int:
    parser = argparse.ArgumentParser(description="Débit de la réception des courriels")
    parser.add_argument("--mails", type=int, default=3000)
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--processes", type=int, default=2, help="de `helpdesk mail-in`")
    args = parser.parse_args()
    name = new_pg_name()
    create_pg_database(name)
    procs = Processes()
    folder = Path(tempfile.mkdtemp(prefix="bench-mailin-"))
    try:
        port = free_port()
        env = helpdesk_env(
            folder / "data",
            pg_url(name),
            HELPDESK_MAILIN_DOMAIN=DOMAIN,
            HELPDESK_MAILIN_PORT=str(port),
        )
        run([sys.executable, "-m", "helpdesk.cli", "migrate"], env)
        references = asyncio.run(seed(env, args.tickets))
        from helpdesk.core.settings import load_settings

        batch = mails(load_settings(), references, args.mails)
        receiver = procs.start(
            "mail-in",
            [sys.executable, "-m", "helpdesk.cli", "mail-in", "--processes", str(args.processes)],
            folder / "mailin.log",
            env,
        )
        wait_port(port)
        shares = [batch[i :: args.senders] for i in range(args.senders)]
        stats = {"accepted": 0, "deferred": 0, "refused": 0}

        async def send_all() -> None:
            await asyncio.gather(*(sender(port, share, stats) for share in shares))

        watch = CpuWatch({"mail-in": receiver.proc.pid})
        started = time.monotonic()
        asyncio.run(send_all())
        elapsed = time.monotonic() - started
        cpu = watch.stop()
        received, messages = asyncio.run(count_stored(pg_url(name)))
        lost = args.mails - (messages - args.tickets)
        print(f"machine : {machine_info()}")
        print(
            f"{args.mails} courriels, {args.senders} expéditeurs, {args.tickets} demandes, "
            f"{args.processes} processus de réception : "
            f"{stats['accepted']} acceptés (250), {stats['deferred']} différés (4xx), "
            f"{stats['refused']} refusés"
        )
        print(f"durée {elapsed:.1f} s, débit {args.mails / elapsed:.0f} courriels/s")
        print(
            "temps processeur : "
            + ", ".join(
                f"{k} {v:.1f} s" for k, v in cpu.items() if k not in ("durée", "autres (part)")
            )
            + f", autres processus {cpu['autres (part)']:.0%} de la machine"
        )
        print(
            f"en base : {received} courriels reçus, {messages - args.tickets} messages ; perdus : {lost}"
        )
        return 0 if lost == 0 and received == args.mails else 1
    finally:
        procs.stop_all()
        drop_pg_database(name)


if __name__ == "__main__":
    sys.exit(main())
