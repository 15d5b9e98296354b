"""« Besoin d'aide ? - Contact »: the académie chosen on a list or a map, and the API."""

from __future__ import annotations

import datetime as dt

from litestar import Request, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.params import FromQuery
from litestar.response import Template

from helpdesk.contacts.academies import Academies
from helpdesk.contacts.hours import HOURS_TEXT, PHONE, platform_status
from helpdesk.contacts.map import ATTRIBUTION, academies_svg, overseas
from helpdesk.contacts.service import CHOICES_MESSAGE, Found, find_academie
from helpdesk.core.web import PageNotFound, page


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# A public page, the same for everyone: browsers and shared caches may keep it a minute. Not
# longer, as it says whether the national platform is open right now, and a supervisor's
# change of the académie's contacts or an incident banner shows within that minute.
CONTACT_CACHE = CacheControlHeader(max_age=60, public=True)


@get("/aide/contact", include_in_schema=False, cache_control=CONTACT_CACHE)
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
        choices_message=CHOICES_MESSAGE,
        map_svg=academies_svg(academies, selected.slug if selected else ""),
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
    summary="L'académie d'une commune, d'un code postal, d'un département ou d'un code UAI",
    description="`code`\u00a0: nom de commune ou de département (sans souci des accents ni des "
    "majuscules), code postal, numéro de département (45, 2A, 20, 974, 977…) ou code UAI. "
    "Un nom porté par des lieux de plusieurs académies, ou le début d'un nom, donne la liste "
    "`choix`.",
)
async def find_api(request: Request, code: FromQuery[str]) -> Response | dict:
    found = find_academie(request.app.state.academies, code)
    if found.error:
        return Response({"errors": {"code": found.error}}, status_code=422)
    return found_as_api(found)


def found_as_api(found: Found) -> dict:
    answer: dict = {
        "hors_perimetre": bool(found.outside),
        "academie": found.academie.as_api() if found.academie else None,
        "lieu": found.lieu or None,
        "departements": [{"code": d.code, "nom": d.nom} for d in found.departements],
        "message": found.note or None,
    }
    if found.outside:
        answer |= {
            "message": found.outside.message,
            "organisme": found.outside.organisme,
            "site": found.outside.site,
        }
    if found.choices:
        answer |= {
            "message": CHOICES_MESSAGE,
            "choix": [
                {
                    "lieu": c.lieu,
                    "recherche": c.recherche,
                    "hors_perimetre": bool(c.outside),
                    "academie": {"slug": c.academie.slug, "name": c.academie.nom_complet}
                    if c.academie
                    else None,
                    "destination": c.destination,
                }
                for c in found.choices
            ],
        }
    return answer


ROUTES = [contact, academies_api, find_api]
