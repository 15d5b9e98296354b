"""`helpdesk purge [--dry-run] [--as-of AAAA-MM-JJ]`: the purge by hand or from a timer (the
worker runs it every night); it also does the worker's other privacy chores (pending screenshots
of abandoned forms, delivered secrets of the directory's history)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys

from helpdesk.core.french import date_fr


def add_parser(commands) -> None:
    purge = commands.add_parser(
        "purge", help="anonymise les demandes closes depuis plus de HELPDESK_RETENTION_DAYS jours"
    )
    purge.add_argument("--dry-run", action="store_true", help="compte sans rien changer")
    purge.add_argument("--as-of", default="", help="date du calcul (AAAA-MM-JJ), aujourd'hui sinon")
    purge.set_defaults(func=cmd_purge)


def cmd_purge(args: argparse.Namespace) -> int:
    from helpdesk.accounts.sealed import forget_delivered_secrets
    from helpdesk.core.db import make_engine, migrate
    from helpdesk.core.settings import load_settings
    from helpdesk.privacy.purge import purge
    from helpdesk.tickets.pending import purge_abandoned_uploads

    try:
        as_of = dt.date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError:
        print(
            f"Date invalide\u00a0: «\u00a0{args.as_of}\u00a0». Écrivez-la AAAA-MM-JJ, "
            "par exemple 2026-03-04.",
            file=sys.stderr,
        )
        return 2
    settings = load_settings()

    async def run():
        await migrate(make_engine(settings.database_url))
        if not args.dry_run:  # the worker's other privacy chores, for hosts that run none
            await purge_abandoned_uploads(settings)
            await forget_delivered_secrets(settings)
        return await purge(
            settings.privacy.retention_days, settings, as_of=as_of, dry_run=args.dry_run
        )

    report = asyncio.run(run())
    limit = date_fr(report.cutoff.date())
    if args.dry_run:
        print(f"Simulation, rien n'est changé. Demandes closes avant le {limit}\u00a0:")
    else:
        print(f"Demandes closes avant le {limit}\u00a0:")
    for count, to_do, done in (
        (report.tickets, "demande(s) à anonymiser", "demande(s) anonymisée(s)"),
        (report.attachments, "pièce(s) jointe(s) à supprimer", "pièce(s) jointe(s) supprimée(s)"),
        (
            report.audit_ips,
            "adresse(s) IP du journal à effacer",
            "adresse(s) IP du journal effacée(s)",
        ),
        (
            report.audit_accounts,
            "compte(s) ÉduConnect à retirer du journal",
            "compte(s) ÉduConnect retiré(s) du journal",
        ),
        (report.mails_in, "courriel(s) reçu(s) à oublier", "courriel(s) reçu(s) oublié(s)"),
        (
            report.letter_batches,
            "document(s) d'actions en lot à supprimer",
            "document(s) d'actions en lot supprimé(s)",
        ),
    ):
        print(f"  {count} {to_do if args.dry_run else done}")
    return 0
