"""One rule for every text the help desk accepts, wherever it comes from.

Valid UTF-8, no NUL nor control character other than line breaks and tab, JSON a few levels
deep at most, numbers finite and of a sane size: `check_request` enforces it once for every
request (the app's `before_request`), before any handler reads a field, so that no database,
hash or template ever meets such a text. Lengths depend on the field: `column_limit` reads them
from the column that keeps the text, so that a check and its table never disagree.

Litestar keeps the closest `before_request`: a router or a route that sets one of its own must
call `check_request` from it, or its requests go unchecked.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from urllib.parse import unquote_to_bytes

from litestar import Request, Response
from litestar.datastructures import UploadFile
from piccolo.columns import Column

# C0 controls and DEL, but tab, line feed and carriage return (forms send CR LF line breaks).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Half of a UTF-16 pair: JSON can write one ("\ud800"), no UTF-8 text can hold it.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_NAME = re.compile(r"^[^\W\d_]+(?:[ '’.-]+[^\W\d_]+)*\.?$")

MAX_JSON_DEPTH = 16  # our bodies have 3 levels at most
# Checked before any route limits its own body (the tickets API: 64 Kio): no JSON body of ours
# comes near it, and none larger is parsed.
MAX_JSON_BYTES = 1024 * 1024
MAX_JSON_INTEGER = 2**53  # beyond it, JavaScript clients lose digits; nothing of ours is larger
MAX_INTEGER = 2**31 - 1  # identifiers and versions are 32-bit integer columns
# The longest message anyone writes: a request, a reply, a text sent to the triage.
MESSAGE_MAX = 5000

NOT_UTF8 = "Le texte envoyé n'est pas en UTF-8 valide."
TOO_BIG = "Le corps envoyé dépasse 1 Mio."
TOO_DEEP = f"Le JSON envoyé est trop imbriqué ({MAX_JSON_DEPTH} niveaux au plus)."
CONTROL = "Ce texte contient un caractère nul ou de contrôle, non permis\u00a0: retirez-le."
NOT_UNICODE = "Ce texte contient un caractère Unicode incomplet (une moitié de paire UTF-16)."
BAD_NUMBER = "Ce nombre n'est pas accepté (trop grand ou non fini)."
HTML_MESSAGE = (
    "Ce que vous avez envoyé contient un caractère non permis (caractère nul ou de contrôle, "
    "ou texte qui n'est pas en UTF-8). Retirez-le, puis réessayez."
)
# A route whose contract reports every error of its JSON body under one field ({"text": …})
# names it with this option, and answers an unreadable body (not UTF-8, too deep) itself.
BODY_ERRORS_UNDER = "body_errors_under"
# A route lists here the form fields it checks itself, to show a message beside the field and
# keep what the person typed (the parent's forms); every other field follows the rule here.
OWN_TEXT_CHECKS = "own_text_checks"


def text_problem(value: str) -> str:
    """Why this text is refused, or "" when it follows the rule."""
    if _SURROGATE.search(value):
        return NOT_UNICODE
    if _CONTROL.search(value):
        return CONTROL
    return ""


def nfc(value: str) -> str:
    """The composed form: « é » typed as e + U+0301 is the one character « é »."""
    return unicodedata.normalize("NFC", value)


def is_name(value: str) -> bool:
    """Letters, each with its combining marks (accents, Arabic vowel marks…), words joined by
    a space, an apostrophe, a hyphen or a full stop."""
    letters: list[str] = []
    after_letter = False
    for char in nfc(value):
        category = unicodedata.category(char)
        if category.startswith("M"):
            if not after_letter:
                return False
            continue
        after_letter = category.startswith("L")
        letters.append(char)
    return bool(_NAME.match("".join(letters)))


def column_limit(column: Column) -> int:
    """The most characters the column keeps (a Varchar's length)."""
    return column._meta.params["length"]


def too_long(value: str, column: Column) -> str:
    """A French message when the text does not fit its column, else ""."""
    limit = column_limit(column)
    return f"{limit} caractères au plus." if len(value) > limit else ""


def as_integer(value: object, low: int = 0, high: int = MAX_INTEGER) -> int | None:
    """A whole number from JSON or a form (digits), within [low, high]; None otherwise.

    A boolean is not a number here, though Python counts True as 1."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        value = int(text) if text.isascii() and text.isdigit() and len(text) < 12 else None
    if isinstance(value, int) and low <= value <= high:
        return value
    return None


# --- JSON ----------------------------------------------------------------------------------


def json_problem(raw: bytes) -> tuple[str, str, int]:
    """(field, message, status) for a body that breaks the rule, or ("", "", 0).

    A body that is not JSON at all passes: the handler says so in its own words."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "_", NOT_UTF8, 400
    try:
        value = json.loads(text)
    except RecursionError:
        return "_", TOO_DEEP, 400
    except ValueError:
        return "", "", 0
    return value_problem(value)


def value_problem(value: object) -> tuple[str, str, int]:
    """Walks a decoded JSON value (without recursion: its depth is what is checked)."""
    stack: list[tuple[object, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return "_", TOO_DEEP, 400
        if isinstance(item, str):
            message = text_problem(item)
            if message:
                return path or "_", message, 422
        elif isinstance(item, float) and not math.isfinite(item):
            return path or "_", BAD_NUMBER, 422
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) > MAX_JSON_INTEGER:
            return path or "_", BAD_NUMBER, 422
        elif isinstance(item, dict):
            for key, child in item.items():
                message = text_problem(key)
                if message:
                    return "_", message, 422
                stack.append((child, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))
    return "", "", 0


# --- forms, query strings, paths ----------------------------------------------------------


def urlencoded_pairs(raw: bytes) -> list[tuple[str, str]] | None:
    """The pairs of an URL-encoded text, decoded strictly (None when not UTF-8)."""
    pairs = []
    for part in raw.split(b"&"):
        if not part:
            continue
        key, _, value = part.partition(b"=")
        try:
            pairs.append(
                (
                    unquote_to_bytes(key.replace(b"+", b" ")).decode("utf-8"),
                    unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8"),
                )
            )
        except UnicodeDecodeError:
            return None
    return pairs


def pairs_problem(pairs: list[tuple[str, str]], own: tuple[str, ...] = ()) -> tuple[str, str]:
    for key, value in pairs:
        message = text_problem(key) or ("" if key in own else text_problem(value))
        if message:
            return key, message
    return "", ""


async def form_problem(request: Request, own: tuple[str, ...]) -> tuple[str, str, int]:
    if request.content_type[0] == "application/x-www-form-urlencoded":
        pairs = urlencoded_pairs(await request.body())
        if pairs is None:
            return "_", NOT_UTF8, 400
    else:  # multipart: its text parts, and the names of its files
        try:
            form = await request.form()
        except (UnicodeDecodeError, LookupError):  # not UTF-8, or a charset Python lacks
            return "_", NOT_UTF8, 400
        pairs = [
            (key, value.filename or "" if isinstance(value, UploadFile) else value)
            for key, value in form.multi_items()
        ]
    field, message = pairs_problem(pairs, own)
    return field, message, 422 if message else 0


def address_problem(request: Request) -> tuple[str, str, int]:
    message = text_problem(request.scope["path"])
    if message:
        return "_", message, 400
    query = request.scope.get("query_string", b"")
    if not query:
        return "", "", 0
    pairs = urlencoded_pairs(query)
    if pairs is None:
        return "_", NOT_UTF8, 400
    field, message = pairs_problem(pairs)
    return field, message, 400 if message else 0


FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


async def body_problem(request: Request) -> tuple[str, str, int]:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_JSON_BYTES:
        return "_", TOO_BIG, 413  # refused unread
    body = await request.body()
    if len(body) > MAX_JSON_BYTES:
        return "_", TOO_BIG, 413
    return json_problem(body) if body else ("", "", 0)


async def check_request(request: Request) -> Response | None:
    """The app's `before_request`: a 400/422 in French when the request breaks the rule."""
    from helpdesk.core.web import error_response, wants_json

    field, message, status = address_problem(request)
    if not status and request.method in ("POST", "PUT", "PATCH"):
        if request.content_type[0] in FORMS:
            own = request.route_handler.opt.get(OWN_TEXT_CHECKS, ())
            field, message, status = await form_problem(request, own)
        else:  # JSON, whatever type it claims: some handlers read the body as JSON anyway
            field, message, status = await body_problem(request)
            if own := request.route_handler.opt.get(BODY_ERRORS_UNDER):
                if status == 400:
                    return None
                field = own
    if not status:
        return None
    if wants_json(request):
        return Response({"errors": {field or "_": message}}, status_code=status)
    return error_response(request, status, HTML_MESSAGE)
