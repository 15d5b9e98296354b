"""« Informer » and « Réinitialiser les mots de passe » for the accounts ticked in a school's
list, or for the whole list (every page: the filters travel with the form and are evaluated again
at each step): a confirmation naming the count, then the action, its letters in one PDF, kept as
a batch the school hands over (helpdesk/establishments/batches.py)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from helpdesk.accounts.bulk import MAX_ACCOUNTS
from helpdesk.accounts.port import AccountServiceUnavailable
from helpdesk.accounts.school_health import Roster, school_year_start
from helpdesk.core.french import count_fr
from helpdesk.core.web import PageNotFound, client_ip, page
from helpdesk.establishments import batches, bulk, lists
from helpdesk.establishments.access import SPACES, CurrentViewer, Viewer, roster_of, school_uai
from helpdesk.establishments.addresses import layout_for
from helpdesk.establishments.dashboard import POPULATIONS
from helpdesk.establishments.letters import links_of
from helpdesk.establishments.routes import describe, list_url, today


def paths(rest: str) -> list[str]:
    return [f"{base}/{{uai:str}}{rest}" for base in SPACES.values()]


@dataclass
class Asked:
    """What the form asks: the accounts ticked, or the whole list (`query`: its filters,
    evaluated again at each step)."""

    roster: Roster
    public: str
    chosen: bulk.Plan
    query: lists.ListQuery | None = None

    def criteria(self) -> str:
        if self.query is None:
            return ""
        return describe(self.query, lists.choices(self.roster, self.public))


async def read_asked(request: Request, who: Viewer, uai: str) -> Asked:
    form = await request.form()
    public = str(form.get("public", ""))
    roster = await roster_of(request, who, uai, POPULATIONS.get(public, "responsable"))
    action = str(form.get("action", ""))
    mode = str(form.get("mode", "courrier"))
    if public not in POPULATIONS or action not in bulk.ACTION_LABELS or mode not in bulk.MODES:
        raise PageNotFound("Cette action n'existe pas.")
    query = None
    wanted = form.getall("compte", [])
    if form.get("selection") == "liste":  # « Sélectionner les N comptes de cette liste »
        query = lists.read_query(form, roster)
        if query.errors:
            raise WrongCriteria(who.url(roster.uai, "/liste?" + urlencode(criteria_of(form))))
        wanted = [e.identifier for e in lists.select(roster, query, school_year_start(today()))]
    chosen = bulk.plan(roster, POPULATIONS[public], action, mode, wanted)
    return Asked(roster, public, chosen, query)


class WrongCriteria(Exception):
    """A criterion the list does not know: back to the list, which says which."""

    def __init__(self, url: str):
        self.url = url


def criteria_of(form) -> dict:
    return {name: str(form.get(name, "")) for name in ("public", *lists.FILTER_NAMES)}


def filters(asked: Asked) -> dict:
    """The list's address parameters: its filters for the whole list, else its public."""
    return asked.query.params() if asked.query else {"public": asked.public}


def back_to_list(who: Viewer, asked: Asked, error: str) -> Redirect:
    url = list_url(who, asked.roster.uai, {**filters(asked), "erreur": error})
    return Redirect(url, status_code=303)


def confirmation(who: Viewer, asked: Asked, notice: str = "", status: int = 200) -> Template:
    chosen = asked.chosen
    return page(
        "establishments/confirmer.html",
        status_code=status,
        staff=who.staff,
        who=who,
        roster=asked.roster,
        public=asked.public,
        plan=chosen,
        whole=asked.query,
        criteria=asked.criteria(),
        notice=notice,
        back=list_url(who, asked.roster.uai, filters(asked)),
        label=bulk.action_label(chosen.action, chosen.count),
        modes=bulk.MODES,
        request_id=secrets.token_hex(16),
        current=who.base,
    )


async def checked(request: Request, who: Viewer, uai: str) -> Asked | Redirect:
    try:
        asked = await read_asked(request, who, uai)
    except WrongCriteria as wrong:
        return Redirect(wrong.url, status_code=303)
    if not asked.chosen.count:
        return back_to_list(who, asked, "aucun" if asked.query else "vide")
    if asked.query is None and asked.chosen.count > MAX_ACCOUNTS:
        return back_to_list(who, asked, "trop")
    return asked


@post(paths("/action"), include_in_schema=False, status_code=200)
async def confirm(request: Request, uai: FromPath[str], who: CurrentViewer) -> Template | Redirect:
    asked = await checked(request, who, uai)
    if isinstance(asked, Redirect):
        return asked
    return confirmation(who, asked)


def failure(who: Viewer, roster: Roster, status: int, error: str) -> Template:
    return page(
        "establishments/resultat.html",
        status_code=status,
        staff=who.staff,
        who=who,
        roster=roster,
        error=error,
        current=who.base,
    )


@post(paths("/action/confirmer"), include_in_schema=False, status_code=200)
async def act(request: Request, uai: FromPath[str], who: CurrentViewer) -> Template | Redirect:
    asked = await checked(request, who, uai)
    if isinstance(asked, Redirect):
        return asked
    roster, chosen = asked.roster, asked.chosen
    form = await request.form()
    if asked.query is not None and str(form.get("nombre", "")) != str(chosen.count):
        # The list, read again, is no longer the one confirmed: say so, act on nothing yet.
        return confirmation(
            who,
            asked,
            "La liste a changé depuis votre confirmation\u00a0: elle compte maintenant "
            f"{count_fr(chosen.count, 'compte')}. Vérifiez et confirmez de nouveau.",
            409,
        )
    state = request.app.state
    if not await bulk.within_limit(state.rate_limiter, who.staff.id, chosen.count):
        return failure(
            who, roster, 429, "Trop d'actions en lot en une heure\u00a0: réessayez plus tard."
        )
    key = str(form.get("request_id", ""))[:40]
    key = f"lot:{who.staff.id}:{key}" if key else ""
    layout = await layout_for(state, roster.academie, roster.uai)
    # « Informer »: the school's addresses in its mails as in its letters (guide §7).
    params: dict = (
        {"mode": "courrier", "links": links_of(layout)} if chosen.action == "inform" else {}
    )
    try:
        done = await bulk.act(state.accounts, chosen, params, who.scope, key or None)
    except AccountServiceUnavailable as error:
        return failure(who, roster, 503, error.message)
    batch = await batches.kept_for(key)  # the same request again: its batch, nothing new
    if batch is None:
        batch = await keep_batch(state, who, roster, chosen, done, layout, key)
        await bulk.record(who.staff, client_ip(request), roster, chosen, done, batch["id"])
    return page(
        "establishments/resultat.html",
        staff=who.staff,
        who=who,
        roster=roster,
        public=asked.public,
        label=bulk.action_label(chosen.action, len(done.results)),
        done=done,
        mails=sum(len(r.mails) for r in done.results),
        letters=sum(len(r.letters) for r in done.results),
        document=who.url(roster.uai, f"/documents/{batch['document']}") if batch["id"] else "",
        batch=who.url(roster.uai, f"/courriers/{batch['id']}") if batch["id"] else "",
        error="",
        current=who.base,
    )


async def keep_batch(state, who: Viewer, roster, chosen, done, layout, key: str) -> dict:
    """The document (letters, or provisional passwords) kept, and its batch to hand over;
    {"id": None} when the action printed nothing (all by mail, all refused)."""
    document = bulk.letters_document(done, roster, layout)
    if not document:
        return {"id": None, "document": ""}
    name = await bulk.keep_document(state.settings, roster.uai, document)
    accounts = bulk.document_accounts(done, roster)
    batch_id = await batches.record(roster, chosen.action, name, accounts, who.staff.id, key)
    return {"id": batch_id, "document": name}


@get(paths("/documents/{name:str}"), include_in_schema=False)
async def document_file(
    request: Request, uai: FromPath[str], name: FromPath[str], who: CurrentViewer
) -> Response:
    uai = school_uai(request, who, uai)
    data = await bulk.load_document(request.app.state.settings, uai, name)
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
