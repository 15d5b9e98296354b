"""The `helpdesk` command: serve, migrate, and the tools of later domains."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from helpdesk.core.db import is_postgres, make_engine, migrate
from helpdesk.core.migrations import pending_migrations
from helpdesk.core.settings import load_settings


def cmd_serve(args: argparse.Namespace) -> int:
    from helpdesk.core.settings import serve_problem
    from helpdesk.server import serve

    settings = load_settings()
    # The app's processes read their settings from the environment: they learn the address
    # served (links in pages and mails follow its port) and who sends the mails (one process
    # sends them itself; with several, `helpdesk worker` does).
    os.environ["HELPDESK_HOST"] = args.host or settings.host
    os.environ["HELPDESK_PORT"] = str(args.port or settings.port)
    os.environ.setdefault("HELPDESK_MAIL_SENDER", "app" if args.workers <= 1 else "worker")
    settings = load_settings()
    problem = serve_problem(settings)
    if settings.demo and args.workers > 1:
        problem = problem or (
            "Le mode démonstration se sert en un seul processus (son capteur de courriels a "
            "un seul port)\u00a0: retirez --workers ou HELPDESK_DEMO."
        )
    if problem:
        print(problem, file=sys.stderr)
        return 2
    serve(settings, workers=args.workers, access_log=not args.no_access_log)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Runs the migrations not yet run (helpdesk/core/migrations.py); --list only names them."""
    engine = make_engine(load_settings().database_url)

    async def run() -> list[str]:
        pending = await pending_migrations(engine)
        if pending and not args.list:
            await migrate(engine)
        return pending

    pending = asyncio.run(run())
    if args.list:
        print("\n".join(pending) if pending else "Aucune migration à appliquer.")
    elif pending:
        print(f"Base de données à jour\u00a0: {len(pending)} migration(s) appliquée(s).")
    else:
        print("Base de données déjà à jour.")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Send the outbox's mails, in a process of its own (production, several app processes)."""
    import signal

    from helpdesk.core.db import bind
    from helpdesk.mail.sender import MailSender

    settings = load_settings()
    if not settings.smtp.host:
        print("HELPDESK_SMTP_HOST n'est pas défini : aucun serveur de messagerie où envoyer.")
        return 2

    async def run() -> None:
        engine = make_engine(settings.database_url)
        bind(engine)
        if is_postgres(engine):
            from helpdesk.core.db import start_pool

            await start_pool(engine, max_size=4)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        sender = MailSender(settings)
        if args.once:
            print(f"{await sender.run_once()} courriel(s) envoyé(s)")
        else:
            from helpdesk.housekeeping import housekeeping_loop
            from helpdesk.state import worker_state

            await asyncio.gather(
                sender.run_forever(stop, settings.mail.poll_seconds),
                housekeeping_loop(worker_state(settings, engine), stop),
            )
        if is_postgres(engine):
            await engine.close_connection_pool()

    asyncio.run(run())
    return 0


def cmd_outbox(args: argparse.Namespace) -> int:
    """What the outbox holds: counts by status, and the mails that failed for good."""
    from helpdesk.core.db import bind
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
                f"échec #{mail['id']} à {mail['recipient']} « {mail['subject']} » "
                f"après {mail['attempts']} essais : {mail['last_error']}"
            )
        if args.retry_failed and failed:
            await OutboxMail.update({OutboxMail.status: "pending", OutboxMail.attempts: 0}).where(
                OutboxMail.status == "failed"
            )
            print("Les courriels en échec seront de nouveau envoyés.")

    asyncio.run(run())
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from helpdesk.auth.passwords import password_problem
    from helpdesk.auth.service import create_user, staff_email
    from helpdesk.auth.tables import ROLES, User
    from helpdesk.contacts.academies import load_academies
    from helpdesk.contacts.uai import UaiError, normalise_uai
    from helpdesk.core.db import bind

    if args.role not in ROLES:
        print(f"Rôle inconnu : {args.role} (attendu : {', '.join(ROLES)})")
        return 2
    if args.role in ("agent", "supervisor") and not load_academies().get(args.academie or ""):
        print("Un agent ou un superviseur a besoin de --academie avec le slug d'une académie.")
        return 2
    try:
        uais = [normalise_uai(u) for u in args.uai]
        args.email = staff_email(args.email)
    except (UaiError, ValueError) as error:
        print(error)
        return 2
    if args.role == "establishment" and not uais:
        print("Un compte d'établissement a besoin d'au moins un --uai.")
        return 2
    problem = password_problem(args.password)
    if problem:
        print(problem)
        return 2
    settings = load_settings()

    async def run() -> int:
        engine = make_engine(settings.database_url)
        await migrate(engine)
        bind(engine)
        if await User.exists().where(User.email == args.email.strip().lower()):
            print(f"Un compte existe déjà pour {args.email}.")
            return 1
        user_id = await create_user(
            args.email,
            args.password,
            args.role,
            academie=args.academie or "",
            uais=uais,
            name=args.name or "",
            totp_required=args.totp,
        )
        print(f"Compte n° {user_id} créé : {args.email} ({args.role}).")
        return 0

    return asyncio.run(run())


def cmd_demo(_args: argparse.Namespace) -> int:
    from helpdesk.core.settings import demo_problem
    from helpdesk.demo.data import load_demo

    settings = load_settings()
    problem = demo_problem(settings)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    asyncio.run(load_demo(settings))
    return 0


def cmd_accounts_nightly(_args: argparse.Namespace) -> int:
    """What ÉduConnect applies overnight: regenerated identifiers, corrected birth dates."""
    from helpdesk.accounts.service import local_directory
    from helpdesk.desk.night_changes import tell_applied
    from helpdesk.state import worker_state

    settings = load_settings()

    async def run() -> None:
        engine = make_engine(settings.database_url)
        await migrate(engine)
        done = await local_directory(settings).apply_pending_changes()
        told = await tell_applied(worker_state(settings, engine))
        for change in done:
            if "identifier" in change:
                print(f"identifiant {change['previous']} remplacé par {change['identifier']}")
            else:
                print(f"date de naissance {change['previous']} corrigée en {change['birth_date']}")
        print(f"{len(done)} changement(s) appliqué(s), {told} demandeur(s) informé(s).")

    asyncio.run(run())
    return 0


def cmd_accounts_anomalies(args: argparse.Namespace) -> int:
    """The directory's "À traiter" (flags raised by parents) as tickets: scheduled nightly."""
    from helpdesk.desk.anomalies import open_all
    from helpdesk.state import worker_state

    settings = load_settings()

    state = worker_state(settings)
    if args.academie and state.academies.get(args.academie) is None:
        print(f"Académie inconnue\u00a0: {args.academie}", file=sys.stderr)
        return 2

    async def run() -> None:
        state.engine = make_engine(settings.database_url)
        await migrate(state.engine)
        slugs = [args.academie] if args.academie else [a.slug for a in state.academies.all]
        total = 0
        for slug in slugs:
            made = await open_all(state, slug)
            total += len(made)
            for reference in made:
                print(f"{slug}\u00a0: demande {reference} ouverte")
        print(f"{total} demande(s) ouverte(s).")

    asyncio.run(run())
    return 0


def cmd_accounts_demo(args: argparse.Namespace) -> int:
    """A deterministic demo directory (replaces the directory's content)."""
    import time

    from helpdesk.accounts.demo import load_demo_directory
    from helpdesk.accounts.service import local_directory

    settings = load_settings()

    async def run() -> dict:
        await migrate(make_engine(settings.database_url))
        return await load_demo_directory(local_directory(settings), seed=args.seed)

    started = time.monotonic()
    summary = asyncio.run(run())
    print(
        f"Annuaire de démonstration (graine {args.seed})\u00a0: {summary['accounts']} comptes, "
        f"{summary['links']} liens responsable-élève, en {time.monotonic() - started:.1f}\u00a0s."
    )
    for uai, name, academie in summary["schools"]:
        print(f"  {uai} {name} ({academie})")
    for (kind, state), count in sorted(summary["states"].items()):
        print(f"  {kind:<12} {state:<26} {count}")
    for flag, count in sorted(summary["flags"].items()):
        print(f"  {flag:<39} {count}")
    for note in summary["notes"]:
        print(f"  {note}")
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
    migrate_parser = commands.add_parser(
        "migrate", help="applique les migrations de la base qui ne l'ont pas encore été"
    )
    migrate_parser.add_argument(
        "--list", action="store_true", help="liste les migrations à appliquer, sans rien changer"
    )
    migrate_parser.set_defaults(func=cmd_migrate)
    user = commands.add_parser(
        "create-user",
        help="crée un compte d'agent, de superviseur, d'établissement ou d'administrateur",
    )
    user.add_argument("--email", required=True)
    user.add_argument("--password", required=True)
    user.add_argument("--role", required=True, help="agent | supervisor | establishment | admin")
    user.add_argument("--academie", default="")
    user.add_argument(
        "--uai", action="append", default=[], help="UAI d'un établissement (répétable)"
    )
    user.add_argument("--name", default="")
    user.add_argument("--totp", action="store_true", help="exige un second facteur (TOTP)")
    user.set_defaults(func=cmd_create_user)
    commands.add_parser("demo", help="données de démonstration (comptes et demandes)").set_defaults(
        func=cmd_demo
    )
    worker = commands.add_parser("worker", help="envoie les courriels de la file d'envoi")
    worker.add_argument("--once", action="store_true", help="un seul passage, puis s'arrête")
    worker.set_defaults(func=cmd_worker)
    from helpdesk.mailin.command import add_command as add_mail_in

    add_mail_in(commands)  # helpdesk mail-in
    outbox = commands.add_parser("outbox", help="état de la file d'envoi des courriels")
    outbox.add_argument("--retry-failed", action="store_true")
    outbox.set_defaults(func=cmd_outbox)
    accounts = commands.add_parser("accounts", help="l'annuaire local des comptes ÉduConnect")
    accounts_commands = accounts.add_subparsers(dest="accounts_command", required=True)
    accounts_commands.add_parser(
        "nightly", help="applique les changements de nuit (identifiants, dates de naissance)"
    ).set_defaults(func=cmd_accounts_nightly)
    anomalies = accounts_commands.add_parser(
        "anomalies",
        help="ouvrir une demande pour chaque signalement «\u00a0à traiter\u00a0» de l'annuaire",
    )
    anomalies.add_argument("--academie", default="", help="une seule académie (son slug)")
    anomalies.set_defaults(func=cmd_accounts_anomalies)
    accounts_demo = accounts_commands.add_parser(
        "demo", help="remplace l'annuaire par un annuaire de démonstration"
    )
    accounts_demo.add_argument("--seed", type=int, default=2026)
    accounts_demo.set_defaults(func=cmd_accounts_demo)
    from helpdesk.privacy.commands import add_parser as add_privacy_parser

    add_privacy_parser(commands)  # helpdesk purge
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
