"""The supervisors' pages: statistics, canned answers, targets, the académie's contact card."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template

from helpdesk.auth.flash import flashed, redirect_with
from helpdesk.auth.service import CurrentStaff
from helpdesk.categories.catalogue import SHORT_NAMES
from helpdesk.contacts.service import AUDIENCES
from helpdesk.core.web import page
from helpdesk.desk import canned, stats
from helpdesk.desk.staff_words import STAFF_STATUS_LABELS
from helpdesk.tickets import sla
from helpdesk.tickets.tables import STATUSES


@get("/agent/statistiques", include_in_schema=False)
async def statistics_page(request: Request, staff: CurrentStaff) -> Template:
    data = await stats.overview(staff.academie)
    return page(
        "agent/statistiques.html",
        staff=staff,
        data=data,
        categories=SHORT_NAMES,
        status_labels=STAFF_STATUS_LABELS,
        statuses=STATUSES,
        faq=request.app.state.faq,
        academie=request.app.state.academies.get(staff.academie),
    )


@get("/agent/statistiques.csv", include_in_schema=False)
async def statistics_csv(request: Request, staff: CurrentStaff) -> Response:
    rows = await stats.by_category_and_status(staff.academie)
    lines = ["categorie;statut;nombre"] + [f"{r['category']};{r['status']};{r['n']}" for r in rows]
    return Response(
        "\n".join(lines) + "\n",
        media_type="text/csv",  # Litestar adds the one charset (utf-8)
        headers={
            "content-disposition": f'attachment; filename="statistiques-{staff.academie}.csv"'
        },
    )


@get("/agent/reponses-types", include_in_schema=False)
async def canned_page(request: Request, staff: CurrentStaff) -> Template:
    return page(
        "agent/reponses_types.html",
        staff=staff,
        canned=await canned.answers(staff.academie),
        errors={},
        current="/agent/reponses-types",
    )


@post("/agent/reponses-types", include_in_schema=False)
async def canned_save(request: Request, staff: CurrentStaff) -> Template | Redirect:
    form = await request.form()
    delete = str(form.get("supprimer", ""))
    if delete.isdigit():
        await canned.delete(staff.academie, int(delete))
        return Redirect("/agent/reponses-types", status_code=303)
    title, body = str(form.get("title", "")).strip(), str(form.get("body", "")).strip()
    errors = {}
    if not title or len(title) > 200:
        errors["title"] = "Donnez un titre (200 caractères au plus)."
    if not body or len(body) > 10_000:
        errors["body"] = "Écrivez la réponse (10 000 caractères au plus)."
    if errors:
        return page(
            "agent/reponses_types.html",
            status_code=422,
            staff=staff,
            errors=errors,
            canned=await canned.answers(staff.academie),
            current="/agent/reponses-types",
        )
    await canned.add(staff.academie, title, body)
    return Redirect("/agent/reponses-types", status_code=303)


@get("/agent/echeances", include_in_schema=False)
async def sla_page(request: Request, staff: CurrentStaff) -> Template:
    saved = await sla.academie_targets(staff.academie)
    targets = {c: saved.get(c, sla.DEFAULT_TARGETS[c]) for c in sla.DEFAULT_TARGETS}
    return page(
        "agent/echeances.html",
        staff=staff,
        targets=targets,
        categories=SHORT_NAMES,
        errors={},
        current="/agent/echeances",
        message=flashed(request),
    )


@post("/agent/echeances", include_in_schema=False)
async def sla_save(request: Request, staff: CurrentStaff) -> Template | Redirect:
    form = await request.form()
    targets, errors = {}, {}
    for code in sla.DEFAULT_TARGETS:
        try:
            first = float(str(form.get(f"{code}_premiere", "")).replace(",", "."))
            resolution = float(str(form.get(f"{code}_resolution", "")).replace(",", "."))
        except ValueError:
            errors[code] = "Indiquez des nombres d'heures ouvrées."
            continue
        if not (0 < first <= resolution <= 2000):
            errors[code] = (
                "La première réponse doit venir avant la résolution (entre 0 et 2 000 h)."
            )
        targets[code] = (first, resolution)
    if errors:
        return page(
            "agent/echeances.html",
            status_code=422,
            staff=staff,
            targets={c: targets.get(c, sla.DEFAULT_TARGETS[c]) for c in sla.DEFAULT_TARGETS},
            categories=SHORT_NAMES,
            errors=errors,
            current="/agent/echeances",
            message="",
        )
    await sla.save_targets(staff.academie, targets)
    return redirect_with(
        request, "/agent/echeances", "Échéances enregistrées (pour les nouvelles demandes)."
    )


@get("/agent/contact", include_in_schema=False)
async def contact_card(request: Request, staff: CurrentStaff) -> Template:
    academie = await request.app.state.contact_overrides.apply(
        request.app.state.academies.get(staff.academie)
    )
    return page(
        "agent/contact.html",
        staff=staff,
        academie=academie,
        errors={},
        current="/agent/contact",
        message=flashed(request),
    )


@post("/agent/contact", include_in_schema=False)
async def contact_card_save(request: Request, staff: CurrentStaff) -> Template | Redirect:
    form = await request.form()
    errors, cards = {}, {}
    for audience in AUDIENCES:
        card = {
            f: str(form.get(f"{audience}_{f}", "")).strip()
            for f in ("formulaire", "telephone", "courriel", "consigne")
        }
        if card["formulaire"] and not card["formulaire"].startswith("https://"):
            errors[f"{audience}_formulaire"] = "L'adresse du formulaire commence par https://."
        if card["courriel"] and ("@" not in card["courriel"] or len(card["courriel"]) > 320):
            errors[f"{audience}_courriel"] = "Saisissez une adresse électronique valide."
        if (
            len(card["telephone"]) > 40
            or len(card["consigne"]) > 500
            or len(card["formulaire"]) > 300
        ):
            errors[f"{audience}_consigne"] = "Texte trop long."
        cards[audience] = card
    if errors:
        academie = await request.app.state.contact_overrides.apply(
            request.app.state.academies.get(staff.academie)
        )
        return page(
            "agent/contact.html",
            status_code=422,
            staff=staff,
            academie=academie,
            errors=errors,
            current="/agent/contact",
            message="",
        )
    for audience, card in cards.items():
        await request.app.state.contact_overrides.save(staff.academie, audience, card)
    return redirect_with(request, "/agent/contact", "Fiche de contact enregistrée.")


ROUTES = [
    contact_card,
    contact_card_save,
    sla_page,
    sla_save,
    statistics_page,
    statistics_csv,
    canned_page,
    canned_save,
]
