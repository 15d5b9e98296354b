"""The "Besoin d'aide ?" pages and the FAQ API."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.types import ASGIApp

from helpdesk.core.ratelimit import Limit
from helpdesk.core.web import HTML, PageNotFound, page
from helpdesk.faq.service import FaqService, question_as_api, record_vote, vote_counts

MAX_QUERY_LENGTH = 200


def render_faq_page(request_state, query: str = "") -> str:
    """The whole FAQ, or the answers to a search, as HTML."""
    faq: FaqService = request_state.faq
    hits = faq.search(query) if query else None
    return request_state.jinja.get_template("faq/aide.html").render(
        themes=faq.faq.themes, query=query, hits=hits
    )


@get("/aide", include_in_schema=False)
async def aide(request: Request) -> ASGIApp:
    query = request.query_params.get("q", "").strip()[:MAX_QUERY_LENGTH]
    if not query:
        # The FAQ changes only on deploy: rendered once, served with validators.
        state = request.app.state
        cached = state.page_cache.get(
            "aide", state.incidents.signature, lambda: render_faq_page(state)
        )
        return cached.respond(request)
    return Response(render_faq_page(request.app.state, query), media_type=HTML)


@post("/aide/avis/{slug:str}", include_in_schema=False, status_code=200)
async def vote(
    request: Request,
    slug: FromPath[str],
    data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Response:
    """ "Cette réponse vous a-t-elle aidé ?": a vote changes no account, so it needs no CSRF."""
    state = request.app.state
    question = state.faq.question(slug)
    if question is None:
        raise PageNotFound("Cette question n'existe pas.")
    answer = data.get("utile", "")
    if answer not in ("oui", "non"):
        return page("faq/merci.html", status_code=400, question=question, error=True)
    await state.rate_limiter.check(
        request, Limit("vote", state.settings.rate_limits.vote_per_minute, 60)
    )
    await record_vote(slug, answer == "oui")
    helpful = answer == "oui"
    links = [] if helpful else help_links(question)
    if "application/json" in request.headers.get("accept", ""):
        message = "Merci pour votre avis." + ("" if helpful else " " + STILL_STUCK)
        return Response({"message": message, "links": links})
    return page("faq/merci.html", question=question, helpful=helpful, links=links, error=False)


STILL_STUCK = "Si votre difficulté demeure, l'assistance de votre académie peut vous aider\u00a0:"


def help_links(question) -> list[dict[str, str]]:
    """Where a parent goes on when an answer did not help (« Non »), with or without JavaScript."""
    form = "/assistance" + (
        f"?categorie={question.form_category}" if question.form_category else ""
    )
    return [
        {"href": form, "label": "Remplir le formulaire d'assistance"},
        {"href": "/aide/contact", "label": "Contacter mon académie"},
    ]


@get("/api/v1/faq", tags=["FAQ"], summary="Les questions de la FAQ, ou celles qui répondent à q")
async def faq_api(request: Request, q: FromQuery[str | None] = None) -> dict:
    faq: FaqService = request.app.state.faq
    query = (q or "").strip()[:MAX_QUERY_LENGTH]
    if query:
        entries = [
            question_as_api(hit.question) | {"score": round(hit.score, 3)}
            for hit in faq.search(query)
        ]
    else:
        entries = [question_as_api(q_) for q_ in faq.faq.questions]
    return {"query": query or None, "count": len(entries), "entries": entries}


@get("/api/v1/faq/votes", tags=["FAQ"], summary="Réponses à « Cette réponse vous a-t-elle aidé ? »")
async def faq_votes_api() -> dict:
    return {"votes": await vote_counts()}


ROUTES = [aide, vote, faq_api, faq_votes_api]
