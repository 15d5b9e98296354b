"""/agent/signalements: the directory's « À traiter », turned into tickets in one click."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.response import Redirect, Template

from helpdesk.accounts.port import FLAG_LABELS, AccountError
from helpdesk.auth.flash import flashed, redirect_with
from helpdesk.auth.service import CurrentStaff
from helpdesk.core.web import page
from helpdesk.desk import anomalies


def anomalies_page(staff, found, error: str = "", message: str = "", status_code: int = 200):
    return page(
        "agent/signalements.html",
        status_code=status_code,
        staff=staff,
        anomalies=found,
        flag_labels=FLAG_LABELS,
        error=error,
        message=message,
        current="/agent/signalements",
    )


@get("/agent/signalements", include_in_schema=False)
async def anomalies_list(request: Request, staff: CurrentStaff) -> Template:
    try:
        found = await anomalies.to_treat(request.app.state, staff.academie)
    except AccountError as error:
        return anomalies_page(staff, [], error=str(error), status_code=503)
    return anomalies_page(staff, found, message=flashed(request))


@post("/agent/signalements", include_in_schema=False)
async def anomalies_open(request: Request, staff: CurrentStaff) -> Template | Redirect:
    """One anomaly (compte + signalement) or all of them (tous=1) become tickets."""
    form = await request.form()
    state = request.app.state
    try:
        if form.get("tous") == "1":
            made = await anomalies.open_all(state, staff.academie)
            message = f"{len(made)} demande(s) ouverte(s)."
            return redirect_with(request, "/agent/signalements", message)
        wanted = (str(form.get("compte", "")), str(form.get("signalement", "")))
        for anomaly in await anomalies.to_treat(state, staff.academie):
            if (anomaly.account.identifier, anomaly.flag) == wanted:
                reference = await anomalies.open_ticket(state, staff.academie, anomaly)
                return Redirect(f"/agent/tickets/{reference}", status_code=303)
    except AccountError as error:
        return anomalies_page(staff, [], error=str(error), status_code=503)
    found = await anomalies.to_treat(state, staff.academie)
    return anomalies_page(
        staff, found, error="Ce signalement n'est plus à traiter.", status_code=404
    )


ROUTES = [anomalies_list, anomalies_open]
