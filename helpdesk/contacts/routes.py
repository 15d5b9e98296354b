"""« Besoin d'aide ? - Contact »: the académie chosen on a list or a map, and the API."""

from __future__ import annotations

import datetime as dt

from litestar import Request, Response, get
from litestar.params import FromQuery
from litestar.response import Template

from helpdesk.contacts.academies import Academies
from helpdesk.contacts.hours import HOURS_TEXT, PHONE, platform_status
from helpdesk.contacts.map import ATTRIBUTION, academies_svg, overseas
from helpdesk.contacts.service import find_academie
from helpdesk.web import PageNotFound, page


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@get("/aide/contact", include_in_schema=False)
async def contact(request: Request) -> Template:
    academies: Academies = request.app.state.academies
    slug = request.query_params.get("academie", "").strip()
    typed = request.query_params.get("recherche")
    selected = academies.get(slug) if slug else None
    if slug and selected is None:
        raise PageNotFound(
            "Cette académie n'existe pas. Choisissez la vôtre dans la liste des académies."
        )
    found = find_academie(academies, typed) if typed is not None else None
    if found and found.academie and not selected:
        selected = found.academie
    if selected:
        selected = await request.app.state.contact_overrides.apply(selected)
    moment = now()
    status = platform_status(moment)
    return page(
        "contacts/contact.html",
        academies=academies.all,
        selected=selected,
        found=found,
        typed=typed or "",
        map_svg=academies_svg(academies),
        overseas=overseas(academies),
        attribution=ATTRIBUTION,
        platform_phone=PHONE,
        platform_hours=HOURS_TEXT,
        platform_status=status,
        platform_sentence=status.sentence(moment),
    )


@get("/api/v1/academies", tags=["Académies"], summary="Les académies et leurs modalités")
async def academies_api(request: Request) -> dict:
    academies: Academies = request.app.state.academies
    overrides = request.app.state.contact_overrides
    items = [(await overrides.apply(a)).as_api() for a in academies.all]
    return {"count": len(items), "academies": items}


@get(
    "/api/v1/academies/trouver",
    tags=["Académies"],
    summary="L'académie d'un département ou d'un code UAI",
)
async def find_api(request: Request, code: FromQuery[str]) -> Response | dict:
    found = find_academie(request.app.state.academies, code)
    if found.outside:
        return {
            "hors_perimetre": True,
            "message": f"{found.outside.nom} ne relève d'aucune académie : adressez-vous au "
            f"{found.outside.organisme}.",
            "site": found.outside.site,
        }
    if found.academie:
        return {"hors_perimetre": False, "academie": found.academie.as_api()}
    return Response({"errors": {"code": found.error}}, status_code=422)


ROUTES = [contact, academies_api, find_api]
