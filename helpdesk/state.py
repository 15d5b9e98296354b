"""What the chores and the commands need of the app's state, outside the web process: the
worker, the mail receiver, `helpdesk accounts …` (the web app builds its own, helpdesk/app.py)."""

from __future__ import annotations

from types import SimpleNamespace

from helpdesk.accounts.service import account_service
from helpdesk.contacts.academies import load_academies
from helpdesk.core.web import make_environment
from helpdesk.faq.service import FaqService


def worker_state(settings, engine=None) -> SimpleNamespace:
    academies = load_academies()
    jinja = make_environment(settings=settings, academies=academies.all)
    state = SimpleNamespace(
        settings=settings,
        engine=engine,
        jinja=jinja,
        academies=academies,
        faq=FaqService.load(),  # the triage of a ticket made here suggests FAQ answers
    )
    state.accounts = account_service(settings, state)  # as the app's (see helpdesk/app.py)
    return state
