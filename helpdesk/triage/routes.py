"""POST /api/v1/triage {"text": …} → {"category", "confidence", "faq"}."""

from __future__ import annotations

import json

from litestar import Request, Response, post

from helpdesk.core.inputs import BODY_ERRORS_UNDER, MESSAGE_MAX
from helpdesk.core.ratelimit import Limit
from helpdesk.triage.service import shared_model, triage_of

MAX_BYTES = 64 * 1024  # 5 000 characters, even written as JSON \u escapes, fit well within
TEXT_ERROR = 'Envoyez un objet JSON avec le texte du message : {"text": "…"}.'
TOO_LONG = f"Le texte est trop long : {MESSAGE_MAX} caractères au plus."

# Read once per process when the app is built (the routes are imported by helpdesk.app).
shared_model()


def errors(message: str, status_code: int) -> Response:
    return Response({"errors": {"text": message}}, status_code=status_code)


@post(
    "/api/v1/triage",
    tags=["Tri"],
    summary="Catégorie et réponses de la FAQ pour un message",
    description=(
        'Corps JSON : {"text": "…"} (5 000 caractères au plus). Réponse 200 '
        '{"category": code, "confidence": 0 à 1, "faq": [slugs, la meilleure d\'abord, 3 au '
        'plus]} ; un texte sans mot reconnu donne "autre" avec une confiance faible. '
        '413 {"errors": {"text": …}} pour un texte trop long ; 422 {"errors": {"text": …}} pour '
        'un corps qui n\'est pas un objet JSON avec un champ "text" de type chaîne ; 429 au-delà '
        "de la limite de débit."
    ),
    status_code=200,
    opt={BODY_ERRORS_UNDER: "text"},
)
async def triage_api(request: Request) -> Response:
    state = request.app.state
    limit = Limit("triage", state.settings.rate_limits.triage_per_minute, 60)
    await state.rate_limiter.check(request, limit)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BYTES:
        return errors(TOO_LONG, 413)
    raw = await request.body()
    if len(raw) > MAX_BYTES:
        return errors(TOO_LONG, 413)
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return errors(TEXT_ERROR, 422)
    if not isinstance(body, dict):
        return errors(TEXT_ERROR, 422)
    text = body.get("text")
    if not isinstance(text, str):
        return errors(
            "Le champ « text » est obligatoire et doit être une chaîne de caractères.", 422
        )
    if len(text) > MESSAGE_MAX:
        return errors(TOO_LONG, 413)
    category, confidence, faq = triage_of(state).classify(text)
    return Response({"category": category, "confidence": confidence, "faq": faq})


ROUTES = [triage_api]
