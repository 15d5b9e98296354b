"""The worker's periodic chores: close resolved requests past their delay, tell requesters
that the overnight change they waited for is done, forget expired staff sessions, anonymise
what is past the retention delay and the screenshots of forms never sent (helpdesk/privacy/).

The chores of several domains (tickets, desk, auth, privacy): this module stands above them
all, beside app.py and cli.py, which run it."""

from __future__ import annotations

import asyncio
import logging

from helpdesk.auth.service import purge_expired_sessions
from helpdesk.desk.night_changes import tell_applied
from helpdesk.privacy.nightly import privacy_chores
from helpdesk.tickets.service import close_resolved

log = logging.getLogger("helpdesk")


async def run_chores(state) -> None:
    try:
        await close_resolved(state.settings.privacy.resolved_autoclose_days)
    except Exception:  # a database hiccup must not end the loop
        log.exception("Clôture automatique impossible")
    try:
        await tell_applied(state)
    except Exception:
        log.exception("Suivi des changements de nuit impossible")
    try:
        await purge_expired_sessions(state.settings)
    except Exception:
        log.exception("Nettoyage des sessions expirées impossible")
    try:
        await privacy_chores(state)
    except Exception:
        log.exception("Anonymisation des données personnelles impossible")


async def housekeeping_loop(state, stop: asyncio.Event, interval: float = 300.0) -> None:
    while not stop.is_set():
        await run_chores(state)
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
        except TimeoutError:
            pass
