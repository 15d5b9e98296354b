"""/agent/etablissements/statistiques (supervisors: every school of the académie, sortable,
CSV) and …/<UAI>/statistiques (a school's own rates, the académie's beside)."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from litestar.response import Template

from helpdesk.accounts.port import AccountServiceUnavailable, Scope
from helpdesk.auth.service import require_staff
from helpdesk.establishments import stats
from helpdesk.establishments.access import SPACES, roster_of, viewer
from helpdesk.establishments.routes import space_of
from helpdesk.tickets.account_panel import accounts_of
from helpdesk.web import page


async def rows_of(request: Request, scope: Scope) -> list[dict]:
    try:
        return await accounts_of(request.app.state).activation_stats(scope)
    except AccountServiceUnavailable:
        raise HTTPException(status_code=503) from None


@get("/agent/etablissements/statistiques", include_in_schema=False)
async def academie_stats(request: Request) -> Template | Response:
    staff = await require_staff(request, "supervisor")
    rows = await rows_of(request, Scope(academie=staff.academie))
    params = request.query_params
    key = params.get("tri", "nom")
    descending = params.get("ordre") == "desc"
    schools = stats.sorted_schools(stats.by_school(rows), key, descending)
    if params.get("format") == "csv":
        return Response(
            stats.schools_csv(schools),
            media_type="text/csv; charset=utf-8",
            headers={
                "content-disposition": f'attachment; filename="activation-{staff.academie}.csv"'
            },
        )
    return page(
        "establishments/statistiques_academie.html",
        staff=staff,
        schools=schools,
        totals=stats.totals(rows),
        key=key if key in stats.SORTS else "nom",
        descending=descending,
        pct=stats.french_percent,
        current=SPACES["agent"],
    )


@get([f"{base}/{{uai:str}}/statistiques" for base in SPACES.values()], include_in_schema=False)
async def school_stats(request: Request, uai: FromPath[str]) -> Template:
    who = await viewer(request, space_of(request))
    roster = await roster_of(request, who, uai, "eleve")  # scope check, name, académie
    # The académie's figures are counts only, shown to its schools beside their own.
    rows = await rows_of(request, Scope(academie=roster.academie))
    mine = [r for r in rows if r["uai"] == roster.uai]
    return page(
        "establishments/statistiques.html",
        staff=who.staff,
        who=who,
        roster=roster,
        own=stats.totals(mine),
        academie=stats.totals(rows),
        by_mef=stats.by_group(rows, roster.uai, "mef"),
        by_class=stats.by_group(rows, roster.uai, "classe"),
        academie_by_mef=stats.by_group_academie(rows, "mef"),
        pct=stats.french_percent,
        current=who.base,
    )


ROUTES = [academie_stats, school_stats]
