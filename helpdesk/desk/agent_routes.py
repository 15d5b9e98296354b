"""The agents' workspace: the académie's queue and the ticket page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from helpdesk.auth.flash import flashed, redirect_with
from helpdesk.auth.service import Staff, academy_agents, current_agents, require_staff
from helpdesk.contacts.service import AUDIENCES
from helpdesk.desk import (
    account_panel,
    account_steps,
    agent,
    incident_routes,
    incidents,
    staff_words,
    stats,
)
from helpdesk.desk.queue import PAGE_SIZE, QueueFilter, list_tickets, status_counts
from helpdesk.desk.staff_words import SHORT_CATEGORY, STAFF_STATUS_LABELS
from helpdesk.french import datetime_fr
from helpdesk.mailin.bounces import address_error, address_errors
from helpdesk.tickets import sla
from helpdesk.tickets.attachments import download
from helpdesk.tickets.categories import CATEGORIES
from helpdesk.tickets.service import utcnow
from helpdesk.tickets.tables import STATUSES, Attachment, CannedAnswer, Ticket, Transmission
from helpdesk.web import PageNotFound, page

CATEGORY_LABELS = {code: c.label for code, c in CATEGORIES.items()} | {
    "etablissement_console": "Établissement : console d'administration des comptes"
}
CHECKLISTS = {
    "date_naissance": [
        "Retrouver le compte du responsable et l'élève concerné.",
        "Comparer la date refusée, la date donnée par le parent et celle de la base élèves.",
        "Faire corriger la date dans la base de l'établissement si elle y est fausse (effective la nuit suivante).",
    ],
    "rattachement": [
        "Vérifier l'identité du responsable et le lien avec l'élève auprès de l'établissement.",
        "Rattacher, détacher ou regrouper les comptes (les noms doivent être identiques).",
    ],
    "mail_confirmation": [
        "Comparer l'adresse saisie à l'activation et celle que donne le parent.",
        "Corriger l'adresse si besoin, puis renvoyer le courriel de confirmation.",
    ],
    "identifiant_perdu": [
        "Retrouver le compte par les noms de l'élève et du responsable.",
        "Envoyer un rappel d'identifiant.",
    ],
    "mot_de_passe": [
        "Vérifier l'état du compte (non activé, compromis : passer par « Informer »).",
        "Réinitialiser avec un mot de passe provisoire.",
    ],
    "auto_inscription": [
        "Comparer le mobile saisi et celui de la fiche de renseignements.",
        "Corriger le numéro et inviter le parent à recommencer.",
    ],
    "compte_compromis": [
        "Informer le responsable avec le courrier de compromission et un nouveau mot de passe."
    ],
    "demarche_en_ligne": ["Orienter vers l'établissement ou la plateforme nationale d'assistance."],
}


def query_string(params, **changes) -> str:
    """The queue's current filters with some values changed (for sort and paging links)."""
    items = [(k, v) for k, v in params.multi_items() if k not in changes and v != ""]
    items += [(k, v) for k, v in changes.items() if v]
    return urlencode(items)


@dataclass(frozen=True, slots=True)
class QueueRow:
    """A line of the queue with its labels ready: the template only places them (it costs
    far less in Python than in Jinja, 25 times per page)."""

    reference: str
    escalation: bool
    created: str
    category: str
    suggestion: str  # "Mot de passe (87 %)" when the triage disagrees with confidence
    requester: str
    child: str
    status: str
    assignee: str
    late: bool
    due: str
    address_error: str = ""  # the reason of a bounce: « adresse du demandeur en erreur »


def queue_row(
    row: dict, agent_names: dict[int, str], now: dt.datetime, address_error: str = ""
) -> QueueRow:
    due = row["sla_due_at"]
    suggested, confidence = row["suggested_category"], row["suggested_confidence"]
    suggestion = ""
    if suggested and suggested != row["category"] and confidence >= 0.5:
        suggestion = f"{SHORT_CATEGORY.get(suggested)} ({int(round(confidence * 100))} %)"
    return QueueRow(
        reference=row["reference"],
        escalation=row["channel"] == "escalation",
        created=datetime_fr(row["created_at"]),
        category=SHORT_CATEGORY.get(row["category"], row["category"]),
        suggestion=suggestion,
        requester=f"{row['requester_first_name']} {row['requester_last_name']}",
        child=f"{row['child_first_name']} {row['child_last_name']}",
        status=STAFF_STATUS_LABELS[row["status"]],
        assignee=agent_names.get(row["assignee_id"], "-") if row["assignee_id"] else "-",
        late=bool(due and due < now and row["status"] in ("nouveau", "en_cours")),
        due=datetime_fr(due) if due else "-",
        address_error=address_error,
    )


@get("/agent", include_in_schema=False)
async def queue_page(request: Request) -> Template:
    staff = await require_staff(request, "agent", "supervisor")
    params = request.query_params
    f = QueueFilter.from_params(params)
    rows, next_cursor = await list_tickets(staff, f, params.get("cursor", ""))
    agents = await academy_agents(staff.academie)  # remembered a few seconds
    agent_names = {a["id"]: a["name"] or a["email"] for a in agents}
    now = utcnow()
    bounced = await address_errors([row["id"] for row in rows])
    return page(
        "agent/queue.html",
        staff=staff,
        rows=[queue_row(row, agent_names, now, bounced.get(row["id"], "")) for row in rows],
        next_cursor=next_cursor,
        f=f,
        counts=await status_counts(staff.academie),
        statuses=STATUSES,
        status_labels=STAFF_STATUS_LABELS,
        categories=SHORT_CATEGORY,
        agents=agents,
        academie=request.app.state.academies.get(staff.academie),
        query_string=lambda **kw: query_string(params, **kw),
        page_size=PAGE_SIZE,
        message=flashed(request),
        words=staff_words,
    )


@post("/agent/lot", include_in_schema=False)
async def bulk(request: Request) -> Redirect:
    """Take, assign or close several tickets at once (each one checked and recorded)."""
    staff = await require_staff(request, "agent", "supervisor")
    form = await request.form()
    action = form.get("action", "")
    references = [r for r in form.getall("ref", []) if isinstance(r, str)][:100]
    done = 0
    for reference in references:
        ticket = await agent.ticket_for(staff, reference)
        if ticket is None:
            continue
        try:
            if action == "prendre":
                await agent.take(staff, ticket, ticket["version"])
            elif action == "assigner" and str(form.get("assignee", "")).isdigit():
                await agent.assign(
                    staff, ticket, ticket["version"], int(form.get("assignee")), request.app.state
                )
            elif action == "clore":
                await agent.set_fields(staff, ticket, ticket["version"], status="clos")
            else:
                continue
            done += 1
        except (agent.StaleTicket, agent.ActionRefused):
            continue
    return redirect_with(request, "/agent", f"{done} demande(s) traitée(s).")


async def staff_ticket(request: Request, reference: str) -> tuple[Staff, dict]:
    staff = await require_staff(request, "agent", "supervisor")
    ticket = await agent.ticket_for(staff, reference)
    if ticket is None:
        raise PageNotFound("Cette demande n'existe pas dans votre académie.")
    return staff, ticket


async def ticket_page_response(
    request: Request,
    staff: Staff,
    ticket: dict,
    *,
    error: str = "",
    status_code: int = 200,
    draft: str = "",
    confirm: dict | None = None,
) -> Template:
    state = request.app.state
    events = await agent.timeline(ticket["id"])
    agents = await current_agents(staff.academie)
    others = (
        await Ticket.select(Ticket.reference, Ticket.status, Ticket.category, Ticket.created_at)
        .where(
            (Ticket.academie == staff.academie)
            & (Ticket.id != ticket["id"])
            & (
                (
                    (Ticket.requester_email == ticket["requester_email"])
                    & (Ticket.requester_email != "")
                )
                | (
                    (Ticket.child_last_name == ticket["child_last_name"])
                    & (Ticket.child_first_name == ticket["child_first_name"])
                    & (Ticket.child_last_name != "")
                )
            )
        )
        .order_by(Ticket.id, ascending=False)
        .limit(10)
    )
    draft = draft or insertable_answer(request, await agent.canned_answers(staff.academie))
    transmissions = (
        await Transmission.select()
        .where(Transmission.ticket == ticket["id"])
        .order_by(Transmission.id)
    )
    params = request.query_params
    account_view = await account_panel.panel(
        state,
        staff,
        ticket,
        params.get("compte_q", account_panel.default_search(ticket)),
        params.get("compte", "") or (confirm or {}).get("identifier", ""),
    )
    files = (
        await Attachment.select().where(Attachment.ticket == ticket["id"]).order_by(Attachment.id)
    )
    return page(
        "agent/ticket.html",
        account_view=account_view,
        words=staff_words,
        school=await account_panel.school_of(state, staff, ticket),
        files=files,
        confirm=confirm,
        transmissions=transmissions,
        open_incidents=[i for i in state.incidents.open if i["academie"] == staff.academie],
        canned=await agent.canned_answers(staff.academie),
        faq_questions=state.faq.faq.questions,
        uai_mismatch=agent.uai_mismatch(state, ticket),
        address_error=await address_error(ticket["id"]),
        all_academies=state.academies.all,
        status_code=status_code,
        staff=staff,
        ticket=ticket,
        events=events,
        agents=agents,
        agent_names={a["id"]: a["name"] or a["email"] for a in agents},
        status_labels=STAFF_STATUS_LABELS,
        statuses=STATUSES,
        categories=CATEGORY_LABELS,
        priorities=agent.PRIORITIES,
        checklist=CHECKLISTS.get(ticket["category"], []),
        academie=state.academies.get(ticket["academie"]),
        others=others,
        error=error,
        draft=draft,
        now=utcnow(),
        message=flashed(request),
    )


def insertable_answer(request: Request, canned: list[dict]) -> str:
    """?modele=<id> or ?faq=<slug>: a canned answer or a FAQ answer put in the reply box."""
    params = request.query_params
    chosen = params.get("modele", "")
    if chosen.isdigit():
        return next((c["body"] for c in canned if c["id"] == int(chosen)), "")
    question = request.app.state.faq.question(params.get("faq", ""))
    return f"{question.title}\n\n{question.answer_text}" if question else ""


@get("/agent/tickets/{reference:str}", include_in_schema=False)
async def ticket_page(request: Request, reference: FromPath[str]) -> Template:
    staff, ticket = await staff_ticket(request, reference)
    return await ticket_page_response(request, staff, ticket)


@get("/agent/tickets/{reference:str}/pieces/{attachment_id:int}", include_in_schema=False)
async def staff_attachment(
    request: Request, reference: FromPath[str], attachment_id: FromPath[int]
) -> Response:
    """Any file of the ticket, for its académie's staff: screenshots, letters to print."""
    _staff, ticket = await staff_ticket(request, reference)
    row = (
        await Attachment.select()
        .where((Attachment.id == attachment_id) & (Attachment.ticket == ticket["id"]))
        .first()
    )
    if row is None:
        raise PageNotFound("Cette pièce jointe n'existe pas.")
    return await download(
        request.app.state.settings, row["storage_name"], row["filename"], row["content_type"]
    )


STALE = (
    "Cette demande a été modifiée par quelqu'un d'autre depuis l'ouverture de la page : "
    "rien n'a été enregistré. Relisez les derniers changements ci-dessous, puis recommencez."
)


@post("/agent/tickets/{reference:str}", include_in_schema=False)
async def ticket_action(request: Request, reference: FromPath[str]) -> Template | Redirect:
    staff, ticket = await staff_ticket(request, reference)
    form = await request.form()
    action = str(form.get("action", ""))
    version_text = str(form.get("version", ""))
    version = int(version_text) if version_text.isdigit() else -1
    text = str(form.get("body", ""))
    state = request.app.state
    try:
        if action == "prendre":
            await agent.take(staff, ticket, version)
        elif action == "assigner":
            assignee = str(form.get("assignee", ""))
            await agent.assign(
                staff, ticket, version, int(assignee) if assignee.isdigit() else None, state
            )
        elif action == "modifier":
            await agent.set_fields(
                staff,
                ticket,
                version,
                status=str(form.get("status", "")),
                priority=str(form.get("priority", "")),
                category=str(form.get("category", "")),
            )
        elif action == "fusionner":
            await agent.merge_into(staff, ticket, version, str(form.get("target", "")))
        elif action == "transferer":
            await agent.transfer(state, staff, ticket, version, str(form.get("academie", "")))
            return redirect_with(request, "/agent", f"Demande {reference} transférée.")
        elif action == "spam":
            await agent.set_fields(staff, ticket, version, status="spam")
        elif action == "compte_verifier":
            confirm = await account_steps.confirm(state, staff, ticket, form)
            return await ticket_page_response(request, staff, ticket, confirm=confirm)
        elif action == "compte_executer":
            done = await account_steps.execute(state, staff, ticket, version, form)
            url = f"/agent/tickets/{reference}?compte={quote(str(form.get('compte', '')))}#compte"
            return redirect_with(request, url, done)
        elif action == "incident":
            chosen = str(form.get("incident", ""))
            await incidents.link(staff, ticket, int(chosen) if chosen.isdigit() else None)
        elif action == "transmettre":
            await agent.transmit(staff, ticket, str(form.get("question", "")))
        elif action in ("repondre", "note"):
            await agent.add_message(
                state,
                staff,
                ticket,
                version,
                text,
                internal=action == "note",
                new_status=str(form.get("status", "")) if action == "repondre" else "",
            )
        else:
            return await ticket_page_response(
                request, staff, ticket, error="Action inconnue.", status_code=400
            )
    except agent.StaleTicket:
        fresh = await agent.ticket_for(staff, reference)
        return await ticket_page_response(
            request, staff, fresh, error=STALE, status_code=409, draft=text
        )
    except agent.ActionRefused as refused:
        return await ticket_page_response(
            request, staff, ticket, error=str(refused), status_code=422, draft=text
        )
    return redirect_with(request, f"/agent/tickets/{reference}", "Enregistré.")


def overdue(row: dict, now: dt.datetime) -> bool:
    return (
        bool(row.get("sla_due_at"))
        and row["sla_due_at"] < now
        and row["status"] in ("nouveau", "en_cours")
    )


@get("/agent/statistiques", include_in_schema=False)
async def statistics_page(request: Request) -> Template:
    staff = await require_staff(request, "supervisor")
    data = await stats.overview(staff.academie)
    return page(
        "agent/statistiques.html",
        staff=staff,
        data=data,
        categories=SHORT_CATEGORY,
        status_labels=STAFF_STATUS_LABELS,
        statuses=STATUSES,
        faq=request.app.state.faq,
        academie=request.app.state.academies.get(staff.academie),
    )


@get("/agent/statistiques.csv", include_in_schema=False)
async def statistics_csv(request: Request) -> Response:
    staff = await require_staff(request, "supervisor")
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
async def canned_page(request: Request) -> Template:
    staff = await require_staff(request, "supervisor")
    return page(
        "agent/reponses_types.html",
        staff=staff,
        canned=await agent.canned_answers(staff.academie),
        errors={},
        current="/agent/reponses-types",
    )


@post("/agent/reponses-types", include_in_schema=False)
async def canned_save(request: Request) -> Template | Redirect:
    staff = await require_staff(request, "supervisor")
    form = await request.form()
    delete = str(form.get("supprimer", ""))
    if delete.isdigit():
        await CannedAnswer.delete().where(
            (CannedAnswer.id == int(delete)) & (CannedAnswer.academie == staff.academie)
        )
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
            canned=await agent.canned_answers(staff.academie),
            current="/agent/reponses-types",
        )
    await CannedAnswer.insert(CannedAnswer(academie=staff.academie, title=title, body=body))
    return Redirect("/agent/reponses-types", status_code=303)


@get("/agent/echeances", include_in_schema=False)
async def sla_page(request: Request) -> Template:
    staff = await require_staff(request, "supervisor")
    saved = await sla.academie_targets(staff.academie)
    targets = {c: saved.get(c, sla.DEFAULT_TARGETS[c]) for c in sla.DEFAULT_TARGETS}
    return page(
        "agent/echeances.html",
        staff=staff,
        targets=targets,
        categories=SHORT_CATEGORY,
        errors={},
        current="/agent/echeances",
        message=flashed(request),
    )


@post("/agent/echeances", include_in_schema=False)
async def sla_save(request: Request) -> Template | Redirect:
    staff = await require_staff(request, "supervisor")
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
            categories=SHORT_CATEGORY,
            errors=errors,
            current="/agent/echeances",
            message="",
        )
    await sla.save_targets(staff.academie, targets)
    return redirect_with(
        request, "/agent/echeances", "Échéances enregistrées (pour les nouvelles demandes)."
    )


@get("/agent/contact", include_in_schema=False)
async def contact_card(request: Request) -> Template:
    staff = await require_staff(request, "supervisor")
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
async def contact_card_save(request: Request) -> Template | Redirect:
    staff = await require_staff(request, "supervisor")
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
    staff_attachment,
    contact_card,
    contact_card_save,
    sla_page,
    sla_save,
    *incident_routes.ROUTES,
    queue_page,
    bulk,
    ticket_page,
    ticket_action,
    statistics_page,
    statistics_csv,
    canned_page,
    canned_save,
]
