"""Demo mode: the mails caught by the local SMTP catcher, to follow a parent's journey."""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime

from litestar import Request, get
from litestar.response import Template

from helpdesk.core.french import datetime_fr
from helpdesk.core.web import PageNotFound, page
from helpdesk.mail.catcher import caught_mails


def sent_on(header: str) -> str:
    """A mail's Date header as the pages write dates: « 4 mars 2026 à 14 h 05 », Paris time."""
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return ""
    return datetime_fr(when if when.tzinfo else when.replace(tzinfo=dt.UTC))


@get("/demo/courriels", include_in_schema=False)
async def demo_mails(request: Request) -> Template:
    settings = request.app.state.settings
    if not settings.demo:
        raise PageNotFound()
    mails = caught_mails(settings.data_dir / "courriels-demo")
    return page("demo/courriels.html", mails=[(mail, sent_on(mail.date)) for mail in mails])


ROUTES = [demo_mails]
