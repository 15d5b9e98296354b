"""« Paramètres » (guide §7): the internet addresses printed in letters. Supervisors set them for
their académie, a school's staff may override them for their school. Their guards are given in
helpdesk/establishments/pages.py."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from helpdesk.auth.flash import flashed, redirect_with
from helpdesk.auth.service import CurrentStaff
from helpdesk.core.web import page
from helpdesk.establishments import addresses
from helpdesk.establishments.access import CurrentViewer, Viewer, roster_of
from helpdesk.establishments.letters import layout_of

ACADEMIE_PAGE = "/agent/etablissements/parametres"
SCHOOL_PAGE = "/etablissement/comptes/{uai:str}/parametres"


def settings_page(request: Request, form: dict, fallback: dict, **context) -> Template:
    return page(
        "establishments/parametres.html",
        form=form,
        fallback=fallback,
        errors=context.pop("errors", {}),
        message=context.pop("message", ""),
        status_code=context.pop("status_code", 200),
        **context,
    )


def defaults(request: Request, academie: str, above: dict | None = None) -> dict[str, str]:
    """What letters print when a field is left empty (shown as a hint)."""
    state = request.app.state
    layout = layout_of(state.settings, state.academies.get(academie), above)
    return {"page": layout.link, "ent": layout.ent or layout.link}


@get(ACADEMIE_PAGE, include_in_schema=False)
async def academie_settings(request: Request, staff: CurrentStaff) -> Template:
    return settings_page(
        request,
        await addresses.saved(staff.academie),
        defaults(request, staff.academie),
        staff=staff,
        action=ACADEMIE_PAGE,
        school=None,
        current="/agent/etablissements",
        message=flashed(request),
    )


@post(ACADEMIE_PAGE, include_in_schema=False)
async def academie_settings_save(request: Request, staff: CurrentStaff) -> Template | Redirect:
    values, errors = addresses.read_form(await request.form())
    if errors:
        return settings_page(
            request,
            values,
            defaults(request, staff.academie),
            staff=staff,
            action=ACADEMIE_PAGE,
            school=None,
            current="/agent/etablissements",
            errors=errors,
            status_code=422,
        )
    await addresses.save(staff.academie, "", values, staff.id)
    return redirect_with(request, ACADEMIE_PAGE, "Adresses enregistrées pour votre académie.")


async def school_context(request: Request, who: Viewer, uai: str) -> dict:
    roster = await roster_of(request, who, uai)  # a French 404 outside the staff's UAIs
    above = await addresses.saved(roster.academie)
    return {
        "staff": who.staff,
        "school": roster,
        "action": who.url(roster.uai, "/parametres"),
        "current": who.base,
        "fallback": defaults(request, roster.academie, above),
    }


@get(SCHOOL_PAGE, include_in_schema=False)
async def school_settings(request: Request, uai: FromPath[str], who: CurrentViewer) -> Template:
    context = await school_context(request, who, uai)
    form = await addresses.saved(context["school"].academie, context["school"].uai)
    return settings_page(request, form, message=flashed(request), **context)


@post(SCHOOL_PAGE, include_in_schema=False)
async def school_settings_save(
    request: Request, uai: FromPath[str], who: CurrentViewer
) -> Template | Redirect:
    context = await school_context(request, who, uai)
    values, errors = addresses.read_form(await request.form())
    if errors:
        return settings_page(request, values, errors=errors, status_code=422, **context)
    school, staff = context["school"], context["staff"]
    await addresses.save(school.academie, school.uai, values, staff.id)
    return redirect_with(request, context["action"], "Adresses enregistrées pour l'établissement.")


SUPERVISOR_ROUTES = [academie_settings, academie_settings_save]
SCHOOL_ROUTES = [school_settings, school_settings_save]  # the school's own space only
