"""What every page shares: the Jinja2 environment, pages rendered once, French error pages."""

from __future__ import annotations

import gzip
import hashlib
import re
from dataclasses import dataclass, field
from email.utils import formatdate
from urllib.parse import quote

import asyncpg
from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.response import Redirect, Template
from litestar.response.base import ASGIResponse
from litestar.utils.scope.state import ScopeState

from helpdesk import PROJECT_DIR
from helpdesk.core.assets import asset
from helpdesk.core.french import (
    count_fr,
    date_fr,
    datetime_fr,
    file_size_fr,
    hour_fr,
    ordinals_html,
)

TEMPLATES_DIR = PROJECT_DIR / "templates"
HTML = "text/html"  # Litestar adds "; charset=utf-8" to text/* itself


def make_environment(**globals_: object) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(date_fr=date_fr, datetime_fr=datetime_fr, hour_fr=hour_fr)
    env.filters.update(file_size_fr=file_size_fr, exposants=ordinals_html, nombre=count_fr)
    env.globals.update(asset=asset, **globals_)
    return env


@dataclass(frozen=True)
class CachedPage:
    """A page rendered and compressed once, served with validators so that a proxy can cache it.

    Its three responses (200, 200 gzip, 304) are built once too: a Litestar Response built per
    request (headers merged and encoded) cost ≈ 10 µs, half of what a bare Litestar handler
    needs for a whole request. Handlers that return `respond()` are annotated `-> ASGIApp`.
    """

    body: bytes
    gzipped: bytes
    etag: str
    last_modified: str
    max_age: int = 300
    _responses: dict[str, ASGIResponse] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        headers = {
            "etag": self.etag,
            "last-modified": self.last_modified,
            "cache-control": f"public, max-age={self.max_age}",
            "vary": "Accept-Encoding",
        }
        gzip_headers = headers | {"content-encoding": "gzip"}
        self._responses["200"] = ASGIResponse(body=self.body, media_type=HTML, headers=headers)
        self._responses["gzip"] = ASGIResponse(
            body=self.gzipped, media_type=HTML, headers=gzip_headers
        )
        self._responses["304"] = ASGIResponse(status_code=304, headers=headers)

    @classmethod
    def from_html(cls, html: str, max_age: int = 300) -> CachedPage:
        body = html.encode("utf-8")
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        return cls(body, gzip.compress(body, 9, mtime=0), etag, formatdate(usegmt=True), max_age)

    def respond(self, request: Request) -> ASGIResponse:
        # Already encoded for this request: the compression middleware lets it through, as it
        # does for Litestar's own response cache (never compressed twice).
        ScopeState.from_scope(request.scope).is_cached = True
        headers = request.headers
        if headers.get("if-none-match") == self.etag or (
            "if-none-match" not in headers
            and headers.get("if-modified-since") == self.last_modified
        ):
            return self._responses["304"]
        if "gzip" in headers.get("accept-encoding", ""):
            return self._responses["gzip"]
        return self._responses["200"]


class PageCache:
    """Pages rendered once per state of the incident banner (they change only on deploy or
    when an incident opens or closes)."""

    def __init__(self):
        self._pages: dict[tuple, CachedPage] = {}

    def get(self, name: str, signature: tuple, render) -> CachedPage:
        key = (name, signature)
        cached = self._pages.get(key)
        if cached is None:
            if len(self._pages) > 200:  # old banner states are not needed any more
                self._pages.clear()
            cached = self._pages[key] = CachedPage.from_html(render())
        return cached


def page(template: str, status_code: int = 200, **context: object) -> Template:
    return Template(template_name=template, context=context, status_code=status_code)


def client_ip(request: Request) -> str:
    """The client's address, as the audit log and the login's limits keep it."""
    return request.client.host if request.client else ""


def wants_json(request: Request) -> bool:
    return (
        request.url.path.startswith("/api/")
        or "application/json" in request.headers.get("accept", "").split(",")[0]
    )


ERROR_TITLES = {
    400: "Requête incorrecte",
    401: "Connexion requise",
    409: "Conflit",
    415: "Format non accepté",
    422: "Données invalides",
    403: "Action refusée",
    404: "Page introuvable",
    405: "Méthode non autorisée",
    413: "Envoi trop volumineux",
    429: "Trop de demandes",
    500: "Erreur du service",
    503: "Service momentanément indisponible",
}
ERROR_TEXTS = {
    401: "Connectez-vous pour accéder à cette page ou à cette ressource.",
    409: "Cette demande a changé entre-temps : rechargez la page.",
    415: "Le format envoyé n'est pas accepté.",
    422: "Les données envoyées ne sont pas valides.",
    400: "La demande n'a pas pu être comprise. Vérifiez ce que vous avez saisi et réessayez.",
    403: "Cette action n'est pas permise. Si vous remplissiez un formulaire, rechargez la page "
    "puis renvoyez-le : votre session a peut-être expiré.",
    404: "La page que vous cherchez n'existe pas ou n'existe plus.",
    405: "Cette adresse ne s'utilise pas de cette façon.",
    413: "Ce que vous envoyez dépasse la taille permise.",
    429: "Vous avez fait trop de demandes en peu de temps. Patientez quelques minutes, puis "
    "réessayez.",
    500: "Une erreur est survenue de notre côté. Réessayez dans quelques instants.",
    503: "Le service est momentanément indisponible. Réessayez dans quelques instants\u00a0: rien "
    "de ce que vous avez envoyé n'a été enregistré à moitié.",
}
# The database is out of reach (restarted, connections cut, network): nothing was written, and
# a retry a moment later works. asyncpg's pool replaces a dead connection on its next use; a
# connection cut in the middle of a query leaves asyncpg's client-side errors (a rollback on a
# closed connection, a protocol caught mid-operation), which mean the same.
DATABASE_UNAVAILABLE = (
    asyncpg.PostgresConnectionError,  # ConnectionDoesNotExistError among them
    asyncpg.exceptions.OperatorInterventionError,  # e.g. pg_terminate_backend, a shutdown
    asyncpg.InterfaceError,  # "the underlying connection is closed"
    asyncpg.exceptions.InternalClientError,  # "another operation is in progress", after a cut
    ConnectionError,
    TimeoutError,
)


def error_response(
    request: Request, status_code: int, detail: str = "", link: tuple[str, str] | None = None
) -> Response:
    message = detail or ERROR_TEXTS.get(status_code, ERROR_TEXTS[500])
    if wants_json(request):
        return Response({"errors": {"_": message}}, status_code=status_code)
    env: Environment = request.app.state.jinja
    html = env.get_template("errors/error.html").render(
        status_code=status_code,
        title=ERROR_TITLES.get(status_code, ERROR_TITLES[500]),
        message=message,
        link=link,
    )
    return Response(html, status_code=status_code, media_type=HTML)


class PageNotFound(NotFoundException):
    """A 404 whose detail is a French sentence meant for the visitor, and maybe a way on:
    `link=(href, label)`, shown as the page's first button."""

    def __init__(self, detail: str = "", link: tuple[str, str] | None = None) -> None:
        super().__init__(detail)
        self.link = link


class ApiError(HTTPException):
    """A refusal of the JSON API with its French messages by field: {"errors": {field: …}}."""

    def __init__(self, status_code: int, errors: dict[str, str]) -> None:
        super().__init__(status_code=status_code)
        self.errors = errors


def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    if isinstance(exc, ApiError):
        return Response({"errors": exc.errors}, status_code=exc.status_code)
    if exc.status_code == 401 and not wants_json(request):
        # A staff page without a session: log in, then come back here.
        if "session" in request.scope and not request.session:
            request.clear_session()  # an empty one is not kept (no file, see auth.sessions)
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return Redirect(f"/connexion?suite={target}", status_code=303)
    # The framework's own details are English and technical: only ours are shown.
    detail = exc.detail if isinstance(exc, PageNotFound) else ""
    return error_response(request, exc.status_code, detail, getattr(exc, "link", None))


# What msgspec says of a JSON body that does not fit its schema, in French.
EXPECTED = {
    "object": "Un objet est attendu.",
    "str": "Un texte est attendu.",
    "bool": "true ou false est attendu.",
    "int": "Un nombre entier est attendu.",
    "array": "Une liste est attendue.",
}
NOT_AN_OBJECT = "Le corps doit être un objet JSON."
_MISSING = re.compile(r"Object missing required field `([^`]+)`")
_EXPECTED = re.compile(r"Expected `([a-z]+)")


def body_error(key: str, message: str) -> tuple[str, str]:
    """(the field's path as the JSON names it, a French message) for one msgspec error."""
    path = "" if key == "data" else key  # `data` is the whole body
    missing = _MISSING.match(message)
    if missing:
        return ".".join(p for p in (path, missing.group(1)) if p), "Ce champ est obligatoire."
    expected = _EXPECTED.match(message)
    return path or "_", EXPECTED.get(expected.group(1) if expected else "", "Valeur invalide.")


def validation_exception_handler(request: Request, exc: ValidationException) -> Response:
    """A JSON body that does not fit its schema: 422 {"errors": {field: message}} in French,
    the field named as the JSON names it (requester.email); 400 when it is not an object.
    Wrong query or path parameters keep the French 400 of every other error."""
    errors = [e for e in exc.extra or [] if isinstance(e, dict) and e.get("source") == "body"]
    if not errors:
        return http_exception_handler(request, exc)
    fields = dict(body_error(e.get("key", "data"), e.get("message", "")) for e in errors)
    if "_" in fields:  # the body itself: empty, an array, a text…
        return Response({"errors": {"_": NOT_AN_OBJECT}}, status_code=400)
    return Response({"errors": fields}, status_code=422)


# PostgreSQL refused a value (too long for its column, a number out of range, a NUL): every
# input is checked before it gets there (helpdesk.core.inputs), so this one escaped a check. The
# person learns that a value was refused; the log says which, to add the missing check.
VALUE_REFUSED = "Une valeur envoyée n'est pas acceptée (trop longue ou hors des limites permises)."


def internal_error_handler(request: Request, exc: Exception) -> Response:
    if isinstance(exc, asyncpg.DataError):
        request.logger.warning("Valeur refusée par la base, sans vérification avant : %r", exc)
        return error_response(request, 422, VALUE_REFUSED)
    if isinstance(exc, DATABASE_UNAVAILABLE):
        request.logger.warning("Base de données injoignable\u00a0: %r", exc)
        response = error_response(request, 503)
        response.headers["retry-after"] = "1"
        return response
    request.logger.exception("Erreur non traitée", exc_info=exc)
    return error_response(request, 500)
