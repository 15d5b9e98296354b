"""The worker's periodic chores: close resolved requests past their delay, tell requesters
that the overnight change they waited for is done, forget expired staff sessions, anonymise
what is past the retention delay and the screenshots of forms never sent (helpdesk/privacy/)."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace

from helpdesk.auth.service import purge_expired_sessions
from helpdesk.desk.night_changes import tell_applied
from helpdesk.privacy.nightly import privacy_chores
from helpdesk.tickets.service import close_resolved

log = logging.getLogger("helpdesk")


def worker_state(settings, engine=None) -> SimpleNamespace:
    """What the chores and the commands need of the app's state, outside the web process."""
    from helpdesk.contacts.academies import load_academies
    from helpdesk.faq.service import FaqService
    from helpdesk.web import make_environment

    academies = load_academies()
    jinja = make_environment(settings=settings, academies=academies.all)
    return SimpleNamespace(
        settings=settings,
        engine=engine,
        jinja=jinja,
        academies=academies,
        faq=FaqService.load(),  # the triage of a ticket made here suggests FAQ answers
    )


async def run_chores(state) -> None:
    try:
        await close_resolved(state.settings.resolved_autoclose_days)
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
