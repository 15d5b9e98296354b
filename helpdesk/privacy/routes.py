"""Admin pages of personal data: one person's export and erasure (admins); the audit log (admins
all, supervisors their académie). Each audience is a router whose guard lets in its roles only."""

from __future__ import annotations

import json
import re

from litestar import Request, Router, get, post
from litestar.response import Response, Template

from helpdesk.auth.service import CurrentStaff, audit, staff_guard
from helpdesk.core.web import client_ip, page
from helpdesk.privacy import audit as journal
from helpdesk.privacy import person
from helpdesk.privacy.export_pdf import person_pdf

PERSON_PAGE = "/admin/donnees-personnelles"
CONFIRM = "Cochez la case pour confirmer l'effacement\u00a0: il ne peut pas être annulé."


def masked(email: str) -> str:
    """What the audit log keeps of an erased address: enough to answer « was it done? »."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}…@{domain}"


def download(body: bytes | str, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={
            "content-disposition": f'attachment; filename="{filename}"',
            "cache-control": "private, no-store",
        },
    )


def person_page(staff, status_code: int = 200, **context) -> Template:
    return page(
        "privacy/personne.html",
        status_code=status_code,
        staff=staff,
        current=PERSON_PAGE,
        **context,
    )


@get(PERSON_PAGE, include_in_schema=False)
async def person_form(staff: CurrentStaff) -> Template:
    return person_page(staff, values={}, errors={})


@post(PERSON_PAGE, include_in_schema=False, status_code=200)
async def person_action(request: Request, staff: CurrentStaff) -> Template | Response:
    """« Rechercher », « Télécharger (JSON) », « Télécharger (PDF) », « Effacer »: the address
    travels in the form's body, never in an address that logs would keep."""
    form = await request.form()
    raw, action = str(form.get("email", "")), str(form.get("action", "chercher"))
    values = {"email": raw.strip()[:320]}
    try:
        email = person.normalise(raw)
    except ValueError as error:
        return person_page(staff, 422, values=values, errors={"email": str(error)})
    ip = client_ip(request)
    if action in ("json", "pdf"):
        data = await person.gather(email)
        await audit("export_donnees", staff.id, ip, personne=email, format=action)
        name = "donnees-" + re.sub(r"[^A-Za-z0-9.-]+", "_", email.replace("@", "-at-"))
        if action == "json":
            text = json.dumps(data, ensure_ascii=False, indent=2)
            return download(text, "application/json; charset=utf-8", f"{name}.json")
        pdf = person_pdf(data, request.app.state.academies, request.app.state.settings.letters.font)
        return download(pdf, "application/pdf", f"{name}.pdf")
    if action == "effacer":
        if form.get("confirme") != "1":
            summary = await person.gather(email)
            return person_page(
                staff, 422, values=values, errors={"confirme": CONFIRM}, data=summary
            )
        done = await person.erase(request.app.state.settings, email)
        await audit(
            "effacement_donnees",
            staff.id,
            ip,
            personne=masked(email),
            demandes=done["demandes"],
            courriels=done["courriels"],
        )
        return person_page(staff, values=values, errors={}, erased=done)
    return person_page(staff, values=values, errors={}, data=await person.gather(email))


@get("/admin/journal", include_in_schema=False)
async def journal_page(request: Request, staff: CurrentStaff) -> Template:
    filters, errors = journal.Filters.parse(request.query_params)
    rows, users = ([], {}) if errors else await journal.entries(staff, filters)
    params = {k: v for k, v in request.query_params.items() if k != "avant" and v}
    return page(
        "privacy/journal.html",
        status_code=422 if errors else 200,
        staff=staff,
        current="/admin/journal",
        lines=journal.display(rows, users),
        errors=errors,
        values=dict(request.query_params.items()),
        actions=journal.ACTION_LABELS,
        params=params,
        older=rows[-1]["id"] if len(rows) == journal.PAGE_SIZE else None,
    )


@get("/admin/journal.csv", include_in_schema=False)
async def journal_csv(request: Request, staff: CurrentStaff) -> Response:
    filters, errors = journal.Filters.parse(request.query_params)
    if errors:
        message = "\n".join(errors.values())
        return Response(message, status_code=422, media_type="text/plain; charset=utf-8")
    filters.before = None  # every page of the search
    rows, users = await journal.entries(staff, filters, limit=journal.CSV_LIMIT)
    csv = journal.as_csv(journal.display(rows, users)).encode("utf-8")
    return download(csv, "text/csv; charset=utf-8", "journal.csv")


ROUTES = [
    Router(path="/", route_handlers=[person_form, person_action], guards=[staff_guard("admin")]),
    Router(
        path="/",
        route_handlers=[journal_page, journal_csv],
        guards=[staff_guard("admin", "supervisor")],
    ),
]
