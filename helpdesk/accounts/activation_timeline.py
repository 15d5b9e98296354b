"""Accounts activated month by month (guide §6, the statistics over time), counted by the
database: one `GROUP BY` whatever the number of accounts.

Counted like `activation_stats` (`school_health.activation_rows`): by the places of the accounts
in the scope, under the same condition (`scope_rule.places_in`), so that a responsable counts in
each school of his children and the totals are the same. Each
account falls in one period: not activated; activated before `since` (or at a day the directory
does not know: an old import); or activated in one of the months from `since`'s month to this
one. Months are those of Paris, as the schools count them: an account activated on 1 October at
00:30 in Paris (30 September, 22:30 UTC) is one of October's.
"""

from __future__ import annotations

import datetime as dt

from helpdesk.accounts.port import ACTIVE, KINDS, ActionRefused, Scope
from helpdesk.accounts.scope_rule import places_in_sql
from helpdesk.accounts.tables import DirectoryAccount
from helpdesk.core.french import PARIS

# What a page shows at most (two school years); the query has one comparison per month.
MAX_MONTHS = 24


def month_starts(since: dt.date, today: dt.date) -> list[dt.date]:
    """The first day of each month from `since`'s to `today`'s (none if `since` is later)."""
    months, month = [], since.replace(day=1)
    while month <= today:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def _paris_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=PARIS).astimezone(dt.UTC)


def timeline_sql(months: int) -> str:
    """Period -1: not activated; 0: before the first month; i: in month i (1…months); an
    activation dated later than today (a clock ahead) is in the last month. The last
    placeholder is the scope's condition on the places (`scope_rule.places_in_sql`)."""
    steps = "".join(f" WHEN a.activated_at < {{}} THEN {i}" for i in range(months))
    return f"""
SELECT directory_place.uai AS uai, a.kind AS kind,
  CASE WHEN a.state <> {{}} THEN -1 WHEN a.activated_at IS NULL THEN 0{steps}
       ELSE {months} END AS period,
  COUNT(*) AS count
FROM directory_place JOIN directory_account a ON a.id = directory_place.account
{{}}
GROUP BY 1, 2, 3
"""  # noqa: S608 (only placeholders and numbers are put in the text)


async def activation_timeline(
    scope: Scope, since: dt.date, today: dt.date | None = None
) -> list[dict]:
    """[{uai, kind, activated, month, count}] within the scope: `month` is « AAAA-MM » for an
    account activated in that month, "" for one activated before `since` and for one not
    activated (`activated` false)."""
    today = today or dt.datetime.now(PARIS).date()
    count = (today.year - since.year) * 12 + today.month - since.month + 1
    if count < 1:
        raise ActionRefused("La période ne peut pas commencer après le mois en cours.", "since")
    if count > MAX_MONTHS:
        raise ActionRefused(
            f"La période commence au plus {MAX_MONTHS}\u00a0mois avant le mois en cours.", "since"
        )
    months = month_starts(since, today)
    bounds = [_paris_midnight(since), *(_paris_midnight(m) for m in months[1:])]
    sql = timeline_sql(len(bounds))
    rows = await DirectoryAccount.raw(sql, ACTIVE, *bounds, places_in_sql(scope))
    labels = [m.strftime("%Y-%m") for m in months]
    out = [
        {
            "uai": row["uai"],
            "kind": row["kind"],
            "activated": row["period"] >= 0,
            "month": labels[row["period"] - 1] if row["period"] > 0 else "",
            "count": int(row["count"]),
        }
        for row in rows
        if row["kind"] in KINDS
    ]
    out.sort(key=lambda r: (r["uai"], r["kind"], r["activated"], r["month"]))
    return out
