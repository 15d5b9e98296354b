"""« Courriers à remettre » of a school: the documents of its actions on many accounts, each
handed over family by family and marked, by the school's staff or the académie's agents (the
same pages under both spaces). Each marking is written in the audit log (`courriers_remis`), as
the marking of a single letter is."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from helpdesk.auth.flash import flashed, redirect_with
from helpdesk.auth.service import audit
from helpdesk.core.french import count_fr
from helpdesk.core.web import PageNotFound, client_ip, page
from helpdesk.establishments import batches
from helpdesk.establishments.access import SPACES, CurrentViewer, Viewer, school_uai


def paths(rest: str) -> list[str]:
    return [f"{base}/{{uai:str}}/courriers{rest}" for base in SPACES.values()]


@get(paths(""), include_in_schema=False)
async def batch_list(request: Request, uai: FromPath[str], who: CurrentViewer) -> Template:
    uai = school_uai(request, who, uai)
    return page(
        "establishments/courriers.html",
        staff=who.staff,
        who=who,
        uai=uai,
        batches=await batches.of_school(uai),
        shown=batches.SHOWN,
        message=flashed(request),
        current=who.base,
    )


async def own_batch(request: Request, who: Viewer, uai: str, batch_id: int) -> tuple[str, dict]:
    uai = school_uai(request, who, uai)
    batch = await batches.batch_of(uai, batch_id)
    if batch is None:
        raise PageNotFound("Ce lot de courriers n'existe pas pour cet établissement.")
    return uai, batch


def batch_page(request: Request, who: Viewer, uai: str, batch: dict, accounts, **context):
    return page(
        "establishments/courrier_lot.html",
        status_code=context.pop("status_code", 200),
        staff=who.staff,
        who=who,
        uai=uai,
        batch=batch,
        accounts=accounts,
        left=[row for row in accounts if row["handed_at"] is None and not row["replaced"]],
        message=context.pop("message", ""),
        error=context.pop("error", ""),
        current=who.base,
    )


@get(paths("/{batch_id:int}"), include_in_schema=False)
async def batch_detail(
    request: Request, uai: FromPath[str], batch_id: FromPath[int], who: CurrentViewer
) -> Template:
    uai, batch = await own_batch(request, who, uai, batch_id)
    accounts = await batches.accounts(batch["id"])
    return batch_page(request, who, uai, batch, accounts, message=flashed(request))


@post(paths("/{batch_id:int}/remis"), include_in_schema=False, status_code=200)
async def batch_handed_over(
    request: Request, uai: FromPath[str], batch_id: FromPath[int], who: CurrentViewer
) -> Template | Redirect:
    """« Marquer comme remis »: the whole batch (`tout`), or the accounts ticked."""
    uai, batch = await own_batch(request, who, uai, batch_id)
    form = await request.form()
    wanted = None if form.get("tout") == "1" else set(form.getall("compte", []))
    if wanted == set():
        accounts = await batches.accounts(batch["id"])
        return batch_page(
            request,
            who,
            uai,
            batch,
            accounts,
            error="Cochez les comptes dont le courrier a été remis, ou marquez tout le lot.",
            status_code=422,
        )
    marked = await batches.hand_over(who.staff.id, batch["id"], wanted)
    if marked:
        await audit(
            "courriers_remis", who.staff.id, client_ip(request), uai=uai, lot=batch["id"],
            comptes=marked,
        )  # fmt: skip
    message = (
        f"Remise notée pour {count_fr(len(marked), 'compte')}."
        if marked
        else "Rien de plus à noter\u00a0: ces comptes sont déjà marqués comme remis."
    )
    return redirect_with(request, who.url(uai, f"/courriers/{batch['id']}"), message)


ROUTES = [batch_list, batch_detail, batch_handed_over]
