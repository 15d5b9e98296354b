"""/agent/etablissements/statistiques (supervisors: every school of the académie, sortable,
CSV, and the académie over time) and …/<UAI>/statistiques (a school's own rates, by level and
over time, the académie's beside). Their guards are given in helpdesk/establishments/pages.py."""

from __future__ import annotations

import asyncio
import datetime as dt

from litestar import Request, Response, get
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from litestar.response import Template

from helpdesk.accounts.port import AccountServiceUnavailable, Scope
from helpdesk.accounts.school_health import school_year_start
from helpdesk.auth.service import CurrentStaff
from helpdesk.core.french import PARIS
from helpdesk.core.web import page
from helpdesk.establishments import stats
from helpdesk.establishments.access import SPACES, CurrentViewer, summary_of
from helpdesk.establishments.routes import today


async def rows_of(request: Request, scope: Scope, since: dt.date) -> tuple[list, list]:
    """The accounts counted by state, MEF and class, then by month of activation since the
    rentrée `since`: two queries over the académie, run side by side (a third less time on
    PostgreSQL, bench/README.md)."""
    accounts = request.app.state.accounts
    try:
        return tuple(
            await asyncio.gather(
                accounts.activation_stats(scope), accounts.activation_timeline(scope, since)
            )
        )
    except AccountServiceUnavailable:
        raise HTTPException(status_code=503) from None


def csv_response(body: bytes, name: str) -> Response:
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}.csv"'},
    )


@get("/agent/etablissements/statistiques", include_in_schema=False)
async def academie_stats(request: Request, staff: CurrentStaff) -> Template | Response:
    since, now = school_year_start(today()), dt.datetime.now(PARIS).date()
    rows, months = await rows_of(request, Scope(academie=staff.academie), since)
    params = request.query_params
    key = params.get("tri", "nom")
    descending = params.get("ordre") == "desc"
    schools = stats.sorted_schools(stats.by_school(rows), key, descending)
    if params.get("format") == "csv":
        return csv_response(stats.schools_csv(schools), f"activation-{staff.academie}")
    if params.get("format") == "csv-mois":
        return csv_response(
            stats.timeline_csv(schools, months, since, now), f"activation-mois-{staff.academie}"
        )
    return page(
        "establishments/statistiques_academie.html",
        staff=staff,
        schools=schools,
        totals=stats.totals(rows),
        evolution_rows=stats.evolution_rows(stats.timeline(months, since, now)),
        key=key if key in stats.SORTS else "nom",
        descending=descending,
        pct=stats.french_percent,
        current=SPACES["agent"],
    )


@get([f"{base}/{{uai:str}}/statistiques" for base in SPACES.values()], include_in_schema=False)
async def school_stats(request: Request, uai: FromPath[str], who: CurrentViewer) -> Template:
    since, now = school_year_start(today()), dt.datetime.now(PARIS).date()
    # The scope check, name and académie from the school's counts, not from its whole roster.
    school = await summary_of(request, who, uai, since)
    # The académie's figures are counts only, shown to its schools beside their own.
    rows, months = await rows_of(request, Scope(academie=school.academie), since)
    mine = [r for r in rows if r["uai"] == school.uai]
    return page(
        "establishments/statistiques.html",
        staff=who.staff,
        who=who,
        roster=school,
        own=stats.totals(mine),
        academie=stats.totals(rows),
        by_mef=stats.by_group(rows, school.uai, "mef"),
        by_class=stats.by_group(rows, school.uai, "classe"),
        academie_by_mef=stats.by_group_academie(rows, "mef"),
        evolution_rows=stats.evolution_rows(
            stats.timeline(months, since, now, school.uai), stats.timeline(months, since, now)
        ),
        pct=stats.french_percent,
        current=who.base,
    )


SUPERVISOR_ROUTES = [academie_stats]
SCHOOL_ROUTES = [school_stats]
