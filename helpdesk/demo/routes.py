"""Demo mode: the mails caught by the local SMTP catcher, to follow a parent's journey."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from helpdesk.mail.catcher import caught_mails
from helpdesk.web import PageNotFound, page


@get("/demo/courriels", include_in_schema=False)
async def demo_mails(request: Request) -> Template:
    settings = request.app.state.settings
    if not settings.demo:
        raise PageNotFound()
    return page("demo/courriels.html", mails=caught_mails(settings.data_dir / "courriels-demo"))


ROUTES = [demo_mails]
