"""What a staff page says after an action (« Enregistré », « 3 demandes traitées »): a flash
message kept in the staff session (Litestar's `flash`), shown once by the next page.

Never read from the address: a link like /agent?message=… sent by someone else must not put
their words in the staff's interface.
"""

from __future__ import annotations

from litestar import Request
from litestar.plugins.flash import flash
from litestar.response import Redirect

FLASHES = "_messages"  # where litestar.plugins.flash keeps them in the session


def redirect_with(request: Request, url: str, message: str) -> Redirect:
    """A 303 to url, whose page will show message once."""
    flash(request, message, "success")
    return Redirect(url, status_code=303)


def flashed(request: Request) -> str:
    """The messages left for this page, removed from the session (shown once)."""
    session = request.session if "session" in request.scope else None
    if not session:
        return ""
    return " ".join(str(m["message"]) for m in session.pop(FLASHES, []))
