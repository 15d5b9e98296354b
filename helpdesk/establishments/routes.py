"""The accounts of a school, as the console shows them: for its staff (/etablissement/comptes)
and for its académie's agents (/agent/etablissements), the same pages under two addresses."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from helpdesk.accounts.school_health import school_year_start
from helpdesk.core.french import count_fr, date_fr, datetime_fr
from helpdesk.core.web import page
from helpdesk.establishments import lists
from helpdesk.establishments.access import SPACES, CurrentViewer, Viewer, roster_of, summary_of
from helpdesk.establishments.dashboard import (
    POPULATION_LABELS,
    POPULATIONS,
    STATE_ORDER,
    dashboard,
)


def list_url(who: Viewer, uai: str, filters: dict) -> str:
    return who.url(uai, "/liste?" + urlencode(filters))


def kind_of(public: str) -> str:
    """The kind of accounts a list shows: only those are read from the directory."""
    return POPULATIONS.get(public, "responsable")


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@get(list(SPACES.values()), include_in_schema=False)
async def schools(request: Request, who: CurrentViewer) -> Template | Redirect:
    """The schools one may open: a school's own UAIs; an agent types a UAI of the académie."""
    asked = request.query_params.get("uai", "").strip().upper()
    if asked:
        return Redirect(who.url(asked), status_code=303)
    if who.staff.role == "establishment" and len(who.staff.uais) == 1:
        return Redirect(who.url(who.staff.uais[0]), status_code=303)
    return page("establishments/choisir.html", staff=who.staff, who=who, current=who.base)


@get([f"{base}/{{uai:str}}" for base in SPACES.values()], include_in_schema=False)
async def school_dashboard(request: Request, uai: FromPath[str], who: CurrentViewer) -> Template:
    roster = await summary_of(request, who, uai, school_year_start(today()))
    board = dashboard(roster)
    return page(
        "establishments/tableau_de_bord.html",
        staff=who.staff,
        who=who,
        board=board,
        rentree=date_fr(board.rentree),
        updated=datetime_fr(board.updated_at) if board.updated_at else "",
        list_url=lambda filters: list_url(who, roster.uai, filters),
        state_order=STATE_ORDER,
        current=who.base,
    )


@get([f"{base}/{{uai:str}}/liste" for base in SPACES.values()], include_in_schema=False)
async def school_list(
    request: Request, uai: FromPath[str], who: CurrentViewer
) -> Template | Response:
    params = request.query_params
    roster = await roster_of(request, who, uai, kind_of(params.get("public", "")))
    query = lists.read_query(params, roster)
    rentree = school_year_start(today())
    entries = lists.select(roster, query, rentree)
    title = lists.title(roster, query.public)
    export = params.get("format", "")
    if export in ("csv", "pdf"):
        criteria = describe(query, lists.choices(roster, query.public))
        return exported(request, export, roster.uai, query.public, title, criteria, entries)
    shown, number, pages = lists.page_of(entries, params.get("page", ""))
    return page(
        "establishments/liste.html",
        status_code=422 if query.errors else 200,
        staff=who.staff,
        who=who,
        roster=roster,
        query=query,
        choices=lists.choices(roster, query.public),
        filter_labels=FILTER_LABELS,
        populations=POPULATION_LABELS,
        entries=entries,
        rows=[(e, lists.row(e)) for e in shown],
        first=(number - 1) * lists.PAGE_SIZE + 1,
        number=number,
        pages=pages,
        page_url=lambda n: who.url(roster.uai, "/liste?" + urlencode(query.params() | {"page": n})),
        # « Sélectionner les N comptes de cette liste »: every page, the filters as the selection
        whole=params.get("tout") == "1" and not query.errors and bool(entries),
        whole_url=lambda on: who.url(
            roster.uai, "/liste?" + urlencode(query.params() | ({"tout": "1"} if on else {}))
        ),
        columns=lists.COLUMNS,
        export_url=lambda fmt: who.url(
            roster.uai, "/liste?" + urlencode(query.params() | {"format": fmt})
        ),
        title=title,
        error=ERRORS.get(params.get("erreur", ""), ""),
        current=who.base,
    )


@post(
    [f"{base}/{{uai:str}}/selection" for base in SPACES.values()],
    include_in_schema=False,
    status_code=200,
)
async def selected_list(
    request: Request, uai: FromPath[str], who: CurrentViewer
) -> Response | Redirect:
    """« Lister les comptes » (guide 3.3, 5.3): the accounts ticked in the list."""
    form = await request.form()
    public = str(form.get("public", "responsables"))
    roster = await roster_of(request, who, uai, kind_of(public))
    whole = form.get("selection") == "liste"  # the whole list, on every page
    query = lists.read_query(form if whole else {"public": public}, roster)
    wanted = set(form.getall("compte", []))
    rentree = school_year_start(today())
    entries = [e for e in lists.select(roster, query, rentree) if whole or e.identifier in wanted]
    export = str(form.get("format", ""))
    if not entries or export not in ("csv", "pdf"):
        return Redirect(
            who.url(roster.uai, "/liste?" + urlencode({"public": query.public, "erreur": "vide"})),
            status_code=303,
        )
    title = lists.title(roster, query.public)
    criteria = describe(query, lists.choices(roster, query.public)) if whole else ""
    return exported(
        request,
        export,
        roster.uai,
        query.public,
        title,
        criteria or "Comptes sélectionnés.",
        entries,
    )


def exported(
    request: Request, export: str, uai: str, public: str, title: str, criteria: str, entries
) -> Response:
    stem = f"comptes-{public}-{uai}"
    if export == "csv":
        body, media = lists.csv_bytes(entries), "text/csv; charset=utf-8"
    else:
        # fpdf2 is imported on the first export only (memory of every process, bench/README.md).
        from helpdesk.establishments.pdf import table_pdf

        body = table_pdf(
            title,
            f"{count_fr(len(entries), 'compte')}. {criteria} Liste éditée le {date_fr(today())}.",
            lists.COLUMNS,
            [lists.row(e) for e in entries],
            font=request.app.state.settings.letters.font,
        )
        media = "application/pdf"
    return Response(
        body,
        media_type=media,
        headers={"content-disposition": f'attachment; filename="{stem}.{export}"'},
    )


ERRORS = {
    "vide": "Cochez au moins un compte de la liste.",
    "aucun": "Aucun compte ne répond plus à ces critères\u00a0: rien n'a été fait.",
    "trop": "500 comptes au plus à la fois\u00a0: affinez la liste par ses critères.",
}
FILTER_LABELS = {
    "classe": "Classe",
    "mef": "MEF",
    "etat": "État du compte",
    "mail": "Adresse mail",
    "portable": "Téléphone portable",
    "a_traiter": "À traiter",
    "compromis": "Compromission",
    "priorite": "Priorité",
    "connexion": "Connexion",
}


def describe(query: lists.ListQuery, choices: dict) -> str:
    parts = [
        f"{FILTER_LABELS[name]}\u00a0: {choices[name].get(value, value)}"
        for name, value in query.values.items()
    ]
    return ("Critères\u00a0: " + "\u00a0; ".join(parts) + ".") if parts else "Tous les comptes."


ROUTES = [schools, school_dashboard, school_list, selected_list]
