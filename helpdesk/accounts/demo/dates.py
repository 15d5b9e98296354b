"""When the demo's accounts were informed, connected and activated, moved into the school year
of the day the demo is loaded, and what the schools' dashboard reads (guide §2, §6)."""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from helpdesk.accounts.demo.people import MEFS, REFERENCE_DAY, Person
from helpdesk.accounts.port import ACTIVE
from helpdesk.accounts.school_health import school_year_start

if TYPE_CHECKING:
    from helpdesk.accounts.demo.builder import DemoBuilder


def dashboard_facts(builder: DemoBuilder, seed: int, today: dt.datetime) -> None:
    """What the schools' dashboard reads (guide §2), drawn with a generator of its own so that
    the rest of the directory stays the same for a seed: MEF, mobiles confirmed, and dates of
    information and connection moved into the current school year, up to `today`."""
    rng = random.Random(seed * 7919 + 1)
    rentree = dt.datetime.combine(school_year_start(today.date()), REFERENCE_DAY.timetz())
    elapsed = max(today - rentree, dt.timedelta(hours=1))

    def this_year(when: dt.datetime) -> dt.datetime:
        # The builder spreads its dates over 200 days after its rentrée: into this year's.
        moved = rentree + (when - REFERENCE_DAY) * (elapsed / dt.timedelta(days=200))
        return min(moved, today - dt.timedelta(minutes=5))

    for p in builder.people:
        p.mef = MEFS.get(p.classe.split(" ")[0], "") if p.classe else ""
        if p.last_informed_at:
            p.last_informed_at = this_year(p.last_informed_at)
        if p.last_login_at:
            if rng.random() < 0.65:  # some have not come back since last year
                p.last_login_at = this_year(p.last_login_at)
            else:
                p.last_login_at = rentree - dt.timedelta(days=rng.randrange(1, 300), hours=3)
        if p.kind == "responsable" and p.mobile and p.state == ACTIVE:
            # Auto-inscription confirms the mobile by an SMS code (guide 1.1).
            p.mobile_confirmed = p.origin == "Responsable" or rng.random() < 0.4
    activation_dates(builder.people, random.Random(seed * 7919 + 2), rentree, today)


def activation_dates(
    people: list[Person], rng: random.Random, rentree: dt.datetime, today: dt.datetime
) -> None:
    """When the active accounts were activated (guide §6, over time): in an earlier year for
    those not connected since the rentrée and for many of the older pupils and of the parents;
    since the rentrée for the others, most in its first weeks (the letters are handed out then),
    never after their last connection. A generator of its own: the rest stays the same for a
    seed."""
    elapsed = today - rentree
    for p in people:
        if p.state != ACTIVE or not p.last_login_at:
            continue
        new_here = p.classe.split(" ")[0] in ("6e", "2nde")  # a pupil's first year there
        earlier = 0.15 if new_here else 0.6 if p.kind == "eleve" else 0.5
        if p.last_login_at < rentree or rng.random() < earlier:
            p.activated_at = min(p.last_login_at, rentree) - dt.timedelta(
                days=rng.randrange(1, 700), minutes=rng.randrange(600)
            )
        else:
            p.activated_at = min(rentree + elapsed * rng.random() ** 2, p.last_login_at)
