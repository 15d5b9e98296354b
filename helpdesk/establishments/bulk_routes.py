"""« Informer » and « Réinitialiser les mots de passe » for the accounts ticked in a school's
list: a confirmation naming the count, then the action, its letters in one PDF."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from helpdesk.accounts.bulk import MAX_ACCOUNTS
from helpdesk.accounts.port import AccountServiceUnavailable
from helpdesk.auth.routes import client_ip
from helpdesk.contacts.service import academie_of_uai
from helpdesk.contacts.uai import UaiError
from helpdesk.establishments import bulk
from helpdesk.establishments.access import SPACES, Viewer, roster_of, viewer
from helpdesk.establishments.addresses import layout_for
from helpdesk.establishments.dashboard import POPULATIONS
from helpdesk.establishments.routes import space_of
from helpdesk.tickets.account_panel import accounts_of
from helpdesk.tickets.letters import links_of
from helpdesk.web import PageNotFound, page


def paths(rest: str) -> list[str]:
    return [f"{base}/{{uai:str}}{rest}" for base in SPACES.values()]


async def chosen_plan(request: Request, who: Viewer, uai: str):
    form = await request.form()
    public = str(form.get("public", ""))
    roster = await roster_of(request, who, uai, POPULATIONS.get(public, "responsable"))
    action = str(form.get("action", ""))
    mode = str(form.get("mode", "courrier"))
    if public not in POPULATIONS or action not in bulk.ACTION_LABELS or mode not in bulk.MODES:
        raise PageNotFound("Cette action n'existe pas.")
    chosen = bulk.plan(roster, POPULATIONS[public], action, mode, form.getall("compte", []))
    return roster, public, chosen


def back_to_list(who: Viewer, uai: str, public: str, error: str) -> Redirect:
    query = urlencode({"public": public, "erreur": error})
    return Redirect(who.url(uai, f"/liste?{query}"), status_code=303)


@post(paths("/action"), include_in_schema=False, status_code=200)
async def confirm(request: Request, uai: FromPath[str]) -> Template | Redirect:
    who = await viewer(request, space_of(request))
    roster, public, chosen = await chosen_plan(request, who, uai)
    if not chosen.count:
        return back_to_list(who, roster.uai, public, "vide")
    if chosen.count > MAX_ACCOUNTS:
        return back_to_list(who, roster.uai, public, "trop")
    return page(
        "establishments/confirmer.html",
        staff=who.staff,
        who=who,
        roster=roster,
        public=public,
        plan=chosen,
        label=bulk.action_label(chosen.action, chosen.count),
        modes=bulk.MODES,
        request_id=secrets.token_hex(16),
        current=who.base,
    )


@post(paths("/action/confirmer"), include_in_schema=False, status_code=200)
async def act(request: Request, uai: FromPath[str]) -> Template | Redirect:
    who = await viewer(request, space_of(request))
    roster, public, chosen = await chosen_plan(request, who, uai)
    if not chosen.count:
        return back_to_list(who, roster.uai, public, "vide")
    state = request.app.state
    if not await state.rate_limiter.hit(bulk.BULK_LIMIT, f"staff:{who.staff.id}"):
        return page(
            "establishments/resultat.html",
            status_code=429,
            staff=who.staff,
            who=who,
            roster=roster,
            error="Trop d'actions en lot en une heure\u00a0: réessayez plus tard.",
            current=who.base,
        )
    form = await request.form()
    key = str(form.get("request_id", ""))[:40]
    layout = await layout_for(state, roster.academie, roster.uai)
    # « Informer »: the school's addresses in its mails as in its letters (guide §7).
    params: dict = (
        {"mode": "courrier", "links": links_of(layout)} if chosen.action == "inform" else {}
    )
    try:
        done = await accounts_of(state).act_many(
            chosen.action,
            chosen.identifiers,
            params,
            scope=who.scope,
            idempotency_key=f"lot:{who.staff.id}:{key}" if key else None,
            params_of={i: {**params, "mode": "mail"} for i in chosen.by_mail},
        )
    except AccountServiceUnavailable as error:
        return page(
            "establishments/resultat.html",
            status_code=503,
            staff=who.staff,
            who=who,
            roster=roster,
            error=error.message,
            current=who.base,
        )
    document = bulk.letters_document(done, roster, layout)
    name = await bulk.keep_document(state.settings, roster.uai, document) if document else ""
    await bulk.record(who.staff, client_ip(request), roster, chosen, done)
    return page(
        "establishments/resultat.html",
        staff=who.staff,
        who=who,
        roster=roster,
        public=public,
        label=bulk.action_label(chosen.action, len(done.results)),
        done=done,
        mails=sum(len(r.mails) for r in done.results),
        letters=sum(len(r.letters) for r in done.results),
        document=who.url(roster.uai, f"/documents/{name}") if name else "",
        error="",
        current=who.base,
    )


@get(paths("/documents/{name:str}"), include_in_schema=False)
async def document_file(request: Request, uai: FromPath[str], name: FromPath[str]) -> Response:
    who = await viewer(request, space_of(request))
    uai = uai.strip().upper()
    if who.staff.role == "establishment":
        allowed = uai in who.staff.uais
    else:
        try:
            academie = academie_of_uai(request.app.state.academies, uai)
        except UaiError:  # not a UAI: no school's document
            academie = None
        allowed = academie is not None and academie.slug == who.staff.academie
    data = await bulk.load_document(request.app.state.settings, uai, name) if allowed else None
    if data is None:
        raise PageNotFound("Ce document n'existe pas pour vos établissements.")
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "content-disposition": f'attachment; filename="comptes-{uai}-{name[:8]}.pdf"',
            "cache-control": "private, no-store",
            "x-content-type-options": "nosniff",
        },
    )


ROUTES = [confirm, act, document_file]
