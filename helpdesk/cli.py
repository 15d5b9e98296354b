"""The `helpdesk` command: serve, migrate, and the tools of later domains."""

from __future__ import annotations

import argparse
import asyncio
import sys

from helpdesk.db import is_postgres, make_engine, migrate
from helpdesk.settings import load_settings


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = load_settings()
    uvicorn.run(
        "helpdesk.app:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers,
        log_level="info",
        proxy_headers=True,
        access_log=not args.no_access_log,
    )
    return 0


def cmd_migrate(_args: argparse.Namespace) -> int:
    settings = load_settings()

    async def run() -> None:
        engine = make_engine(settings.database_url)
        await migrate(engine)

    asyncio.run(run())
    print(f"Base de données à jour : {settings.database_url}")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Send the outbox's mails, in a process of its own (production, several app processes)."""
    import signal

    from helpdesk.db import bind
    from helpdesk.mail.sender import MailSender

    settings = load_settings()
    if not settings.smtp_host:
        print("HELPDESK_SMTP_HOST n'est pas défini : aucun serveur de messagerie où envoyer.")
        return 2

    async def run() -> None:
        engine = make_engine(settings.database_url)
        bind(engine)
        if is_postgres(engine):
            await engine.start_connection_pool(min_size=1, max_size=4)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        sender = MailSender(settings, engine)
        if args.once:
            print(f"{await sender.run_once()} courriel(s) envoyé(s)")
        else:
            await sender.run_forever(stop, settings.mail_poll_seconds)
        if is_postgres(engine):
            await engine.close_connection_pool()

    asyncio.run(run())
    return 0


def cmd_outbox(args: argparse.Namespace) -> int:
    """What the outbox holds: counts by status, and the mails that failed for good."""
    from helpdesk.db import bind
    from helpdesk.mail.tables import OutboxMail

    settings = load_settings()

    async def run() -> None:
        engine = make_engine(settings.database_url)
        bind(engine)
        rows = await OutboxMail.raw(
            "SELECT status, COUNT(*) AS n FROM outbox_mail GROUP BY status ORDER BY status"
        )
        for row in rows:
            print(f"{row['status']:>8} {row['n']}")
        failed = (
            await OutboxMail.select(
                OutboxMail.id,
                OutboxMail.recipient,
                OutboxMail.subject,
                OutboxMail.attempts,
                OutboxMail.last_error,
            )
            .where(OutboxMail.status == "failed")
            .order_by(OutboxMail.id, ascending=False)
            .limit(50)
        )
        for mail in failed:
            print(
                f"échec #{mail['id']} à {mail['recipient']} « {mail['subject']} » "
                f"après {mail['attempts']} essais : {mail['last_error']}"
            )
        if args.retry_failed and failed:
            await OutboxMail.update({OutboxMail.status: "pending", OutboxMail.attempts: 0}).where(
                OutboxMail.status == "failed"
            )
            print("Les courriels en échec seront de nouveau envoyés.")

    asyncio.run(run())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="helpdesk", description="Assistance académique ÉduConnect"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="sert l'application web")
    serve.add_argument("--host", default="")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--workers", type=int, default=1, help="nombre de processus")
    serve.add_argument("--no-access-log", action="store_true")
    serve.set_defaults(func=cmd_serve)
    commands.add_parser("migrate", help="crée ou met à jour les tables").set_defaults(
        func=cmd_migrate
    )
    worker = commands.add_parser("worker", help="envoie les courriels de la file d'envoi")
    worker.add_argument("--once", action="store_true", help="un seul passage, puis s'arrête")
    worker.set_defaults(func=cmd_worker)
    outbox = commands.add_parser("outbox", help="état de la file d'envoi des courriels")
    outbox.add_argument("--retry-failed", action="store_true")
    outbox.set_defaults(func=cmd_outbox)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
