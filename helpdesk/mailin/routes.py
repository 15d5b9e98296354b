"""Mail-in pages: the quarantined mails (admins only: their router's guard), and in demo mode
« Répondre à ce courriel », which sends a reply through the receiver as a parent's mail client
would."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib
from litestar import Request, Response, Router, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from helpdesk.auth import service as auth
from helpdesk.core.web import PageNotFound, page
from helpdesk.mailin.tables import QuarantinedMail

DEMO_FOLDER = "courriels-demo"  # where the demo catcher keeps the mails (helpdesk/app.py)


@get("/admin/courriels-en-quarantaine", include_in_schema=False)
async def quarantine_page(staff: auth.CurrentStaff) -> Template:
    mails = (
        await QuarantinedMail.select(
            QuarantinedMail.id,
            QuarantinedMail.sender,
            QuarantinedMail.subject,
            QuarantinedMail.reason,
            QuarantinedMail.size,
            QuarantinedMail.received_at,
        )
        .order_by(QuarantinedMail.id, ascending=False)
        .limit(200)
    )
    return page(
        "mailin/quarantaine.html",
        staff=staff,
        mails=mails,
        current="/admin/courriels-en-quarantaine",
    )


@get("/admin/courriels-en-quarantaine/{mail_id:int}", include_in_schema=False)
async def quarantined_mail(mail_id: FromPath[int]) -> Response:
    """The mail as received, to open in a mail client."""
    row = await QuarantinedMail.select(QuarantinedMail.raw).where(QuarantinedMail.id == mail_id)
    if not row:
        raise PageNotFound()
    return Response(
        bytes(row[0]["raw"]),
        media_type="message/rfc822",
        headers={
            "content-disposition": f'attachment; filename="quarantaine-{mail_id}.eml"',
            "x-content-type-options": "nosniff",
            "cache-control": "private, no-store",
        },
    )


def demo_mail(request: Request, name: str) -> EmailMessage:
    settings = request.app.state.settings
    if not settings.demo or not re.fullmatch(r"\d{6}", name):
        raise PageNotFound()
    path = settings.data_dir / DEMO_FOLDER / f"{name}.eml"
    if not path.exists():
        raise PageNotFound()
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def demo_context(original: EmailMessage, name: str, **extra) -> dict:
    body = original.get_body(preferencelist=("plain",))
    return {
        "name": name,
        "subject": str(original["Subject"]),
        "recipient": str(original["To"]),
        "reply_to": str(original.get("Reply-To", "")),
        "text": body.get_content() if body else "",
        "values": {},
        "errors": {},
        **extra,
    }


@get("/demo/courriels/{name:str}/repondre", include_in_schema=False)
async def demo_reply_form(request: Request, name: FromPath[str]) -> Template:
    return page("mailin/repondre.html", **demo_context(demo_mail(request, name), name))


@post("/demo/courriels/{name:str}/repondre", include_in_schema=False)
async def demo_reply(request: Request, name: FromPath[str]) -> Template | Redirect:
    settings = request.app.state.settings
    original = demo_mail(request, name)
    form = await request.form()
    message = form.get("message", "")
    message = message.strip() if isinstance(message, str) else ""
    errors = {}
    if not message:
        errors["message"] = "Écrivez votre réponse."
    elif not original.get("Reply-To"):
        errors["message"] = (
            "Ce courriel ne se répond pas par courriel\u00a0: il ne concerne aucune demande."
        )
    if not errors:
        reply = reply_to(original, message)
        try:
            await aiosmtplib.send(
                reply, hostname=settings.mailin.host, port=settings.mailin.port, timeout=30
            )
        except (aiosmtplib.SMTPException, OSError) as error:
            errors["message"] = (
                "La réception des courriels ne répond pas "
                f"({settings.mailin.host}:{settings.mailin.port})\u00a0: {error}"
            )
    if errors:
        context = demo_context(original, name, values={"message": message}, errors=errors)
        return page("mailin/repondre.html", status_code=422, **context)
    return Redirect("/demo/courriels?repondu=1", status_code=303)


def reply_to(original: EmailMessage, text: str) -> EmailMessage:
    """The reply a mail client writes: to the Reply-To, threaded, with the quoted mail."""
    body = original.get_body(preferencelist=("plain",))
    quoted = "\n".join(f"> {line}" for line in (body.get_content() if body else "").splitlines())
    reply = EmailMessage()
    reply["From"] = str(original["To"])
    reply["To"] = str(original["Reply-To"])
    subject = str(original["Subject"])
    reply["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    reply["Message-ID"] = make_msgid(domain="parent.demo")
    reply["In-Reply-To"] = str(original["Message-ID"])
    reply["References"] = f"{original.get('References', '')} {original['Message-ID']}".strip()
    reply.set_content(
        f"{text}\n\nLe {original['Date']}, {original['From']} a écrit\u00a0:\n{quoted}\n"
    )
    return reply


FORM_ROUTES = [demo_reply_form, demo_reply]
STAFF_ROUTES = [
    Router(
        path="/",
        route_handlers=[quarantine_page, quarantined_mail],
        guards=[auth.staff_guard("admin")],
    )
]
