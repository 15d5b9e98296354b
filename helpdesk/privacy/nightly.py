"""The worker's privacy chores (helpdesk/housekeeping.py calls them every round): the
pending screenshots of abandoned forms and the delivered secrets of the directory's action
history (helpdesk/accounts/sealed.py) each round, the purge once a day — at the worker's
start, then at the first round after midnight, Paris time."""

from __future__ import annotations

import datetime as dt
import logging

from helpdesk.accounts.sealed import forget_delivered_secrets
from helpdesk.core.french import PARIS
from helpdesk.privacy.purge import purge
from helpdesk.tickets.pending import purge_abandoned_uploads

log = logging.getLogger("helpdesk")


async def privacy_chores(state, now: dt.datetime | None = None) -> None:
    now = now or dt.datetime.now(dt.UTC)
    await purge_abandoned_uploads(state.settings, now)
    today = now.astimezone(PARIS).date()
    if getattr(state, "privacy_purged_on", None) == today:
        await forget_delivered_secrets(state.settings, now, since=now - dt.timedelta(days=2))
        return
    await forget_delivered_secrets(state.settings, now)  # the whole history, once a day
    report = await purge(state.settings.privacy.retention_days, state.settings, as_of=today)
    state.privacy_purged_on = today
    if report.tickets or report.audit_ips:
        log.info(
            "Données personnelles\u00a0: %d demande(s) anonymisée(s), %d adresse(s) IP effacée(s)",
            report.tickets,
            report.audit_ips,
        )
