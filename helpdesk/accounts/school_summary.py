"""A school's accounts counted by the database (`SchoolSummary`): what the console's dashboard
shows (guide §2), without reading the whole roster.

The accounts counted are those of `school_roster` (its élèves, and the responsables placed in the
school by their children), grouped by what the dashboard's figures test: kind, state, mail and
mobile states, connected since a day, and the flags. A school of 4 000 accounts gives a few dozen
groups, so the dashboard costs one query whatever the school's size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from helpdesk.accounts.port import (
    FLAGS,
    KINDS,
    STATE_CODES,
    ActionRefused,
    Scope,
    _Data,
)
from helpdesk.accounts.scope_rule import establishment_in
from helpdesk.accounts.tables import DirectoryAccount


@dataclass(frozen=True)
class SummaryGroup(_Data):
    """`count` accounts alike in all the dashboard tests (same meaning as in `RosterEntry`)."""

    kind: str
    state_code: str
    mail_state: str
    mobile_state: str
    connected: bool  # connected on or after the day asked for
    flags: list = field(default_factory=list)
    count: int = 0


@dataclass(frozen=True)
class SchoolSummary(_Data):
    uai: str
    name: str
    academie: str
    directory_updated_at: str | None
    since: str  # the day `connected` counts from (ISO)
    groups: list = field(default_factory=list)  # [SummaryGroup]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SchoolSummary:
        data = dict(data)
        data["groups"] = [SummaryGroup.from_dict(g) for g in data.get("groups") or []]
        return super().from_dict(data)


# The one raw query: Piccolo groups by columns, not by the CASE expressions the mail and mobile
# states are. Same rules as `school_health.mail_state` / `mobile_state`; an élève placed here
# only by a responsable's place is not the school's (as in `school_roster`).
_FLAG_COLUMNS = ", ".join(f"a.{flag}" for flag in FLAGS)
GROUPS_SQL = f"""
SELECT a.kind AS kind, a.state AS state,
  CASE WHEN COALESCE(a.email, '') = '' THEN 'absente'
       WHEN a.adresse_mail_en_erreur THEN 'en_erreur'
       WHEN a.email_confirmed THEN 'confirmee' ELSE 'non_confirmee' END AS mail_state,
  CASE WHEN COALESCE(a.mobile, '') = '' THEN 'absent'
       WHEN a.mobile_confirmed THEN 'confirme' ELSE 'non_confirme' END AS mobile_state,
  CASE WHEN a.last_login_at >= {{}} THEN 1 ELSE 0 END AS connected,
  {_FLAG_COLUMNS}, COUNT(*) AS count
FROM directory_account a
WHERE a.id IN (SELECT p.account FROM directory_place p WHERE p.uai = {{}})
  AND (a.kind <> 'eleve' OR a.uai = {{}})
GROUP BY 1, 2, 3, 4, 5, {", ".join(str(6 + i) for i in range(len(FLAGS)))}
"""  # noqa: S608 (only the flags' column names, fixed, are put in the text)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


async def school_summary(uai: str, scope: Scope, since: dt.date) -> SchoolSummary:
    """The counts of `uai`'s accounts; AccountNotFound outside the scope (as `school_roster`)."""
    uai = (uai or "").strip().upper()
    if not uai:
        raise ActionRefused("Indiquez l'UAI de l'établissement.", "uai")
    establishment = await establishment_in(uai, scope)
    start = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
    rows = await DirectoryAccount.raw(GROUPS_SQL, start, uai, uai)
    groups = [
        SummaryGroup(
            kind=row["kind"],
            state_code=STATE_CODES.get(row["state"], ""),
            mail_state=row["mail_state"],
            mobile_state=row["mobile_state"],
            connected=bool(row["connected"]),
            flags=[flag for flag in FLAGS if row[flag]],
            count=int(row["count"]),
        )
        for row in rows
        if row["kind"] in KINDS
    ]
    groups.sort(key=lambda g: (g.kind, g.state_code, g.mail_state, g.mobile_state, g.connected,
                               g.flags))  # fmt: skip
    return SchoolSummary(
        uai=uai,
        name=establishment["name"],
        academie=establishment["academie"],
        directory_updated_at=_iso(establishment["directory_updated_at"]),
        since=since.isoformat(),
        groups=groups,
    )
