"""What the establishments' pages and the statistics read of the local directory: a school's
roster and summary, the activation counts (now and month by month). The work is done in
school_health.py, school_summary.py and activation_timeline.py, shared with no other adapter:
these are the local directory's answers to the port's questions."""

from __future__ import annotations

import datetime as dt

from helpdesk.accounts.activation_timeline import activation_timeline
from helpdesk.accounts.local.common import DirectoryBase
from helpdesk.accounts.port import Scope
from helpdesk.accounts.school_health import Roster, activation_rows, school_roster
from helpdesk.accounts.school_summary import SchoolSummary, school_summary


class Statistics(DirectoryBase):
    async def activation_stats(self, scope: Scope | str) -> list[dict]:
        async with self.engine().transaction():
            return await activation_rows(Scope.of(scope))

    async def activation_timeline(self, scope: Scope | str, since: dt.date) -> list[dict]:
        return await activation_timeline(Scope.of(scope), since)

    async def school_roster(self, uai: str, scope: Scope | str, kind: str = "") -> Roster:
        return await school_roster(uai, Scope.of(scope), kind)

    async def school_summary(self, uai: str, scope: Scope | str, since: dt.date) -> SchoolSummary:
        return await school_summary(uai, Scope.of(scope), since)
