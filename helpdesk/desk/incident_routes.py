"""The incidents page of supervisors (and admins, for national incidents): open one now or
schedule a maintenance ahead, close it with one reply to every linked request."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.response import Redirect, Template

from helpdesk.auth.flash import flashed, redirect_with
from helpdesk.auth.service import CurrentStaff
from helpdesk.core.french import count_fr, datetime_fr
from helpdesk.core.web import PageNotFound, page
from helpdesk.desk import agent, incidents
from helpdesk.desk.incident_form import read_incident_form
from helpdesk.tickets.records import utcnow


async def incidents_view(
    staff: CurrentStaff, errors: dict, message: str = "", typed: dict | None = None, status_code=200
) -> Template:
    now = utcnow()
    rows = [
        {**row, "when": incidents.when(row, now)}
        for row in await incidents.incidents_of(staff.academie)
    ]
    return page(
        "agent/incidents.html",
        status_code=status_code,
        staff=staff,
        errors=errors,
        current="/agent/incidents",
        rows=rows,
        message=message,
        typed=typed or {},
    )


@get("/agent/incidents", include_in_schema=False)
async def incidents_page(request: Request, staff: CurrentStaff) -> Template:
    return await incidents_view(staff, {}, flashed(request))


@post("/agent/incidents", include_in_schema=False)
async def incidents_action(request: Request, staff: CurrentStaff) -> Template | Redirect:
    state = request.app.state
    form = await request.form()
    closing = str(form.get("fermer", ""))
    if closing.isdigit():
        return await close(request, staff, int(closing), str(form.get("message", "")).strip())
    typed = read_incident_form(form, utcnow())
    if typed.errors:
        return await incidents_view(staff, typed.errors, typed=dict(form), status_code=422)
    await incidents.open_incident(staff, typed.title, typed.message, typed.starts_at, typed.ends_at)
    await state.incidents.refresh()
    if typed.starts_at and typed.starts_at > utcnow():
        done = f"Maintenance programmée\u00a0: le bandeau s'affichera le {datetime_fr(typed.starts_at)}."
    else:
        done = "Incident ouvert\u00a0: le bandeau est affiché."
    return redirect_with(request, "/agent/incidents", done)


async def close(request: Request, staff: CurrentStaff, incident_id: int, text: str):
    if not text or len(text) > 2000:
        errors = {"closing": "Écrivez le message de fin (2 000 caractères au plus)."}
        return await incidents_view(staff, errors, status_code=422)
    try:
        answered = await incidents.close_incident(request.app.state, staff, incident_id, text)
    except agent.ActionRefused as refused:
        raise PageNotFound(str(refused)) from refused
    return redirect_with(
        request,
        "/agent/incidents",
        "Incident clos\u00a0: "
        + count_fr(answered, "demande informée", "demandes informées")
        + ".",
    )


ROUTES = [incidents_page, incidents_action]
