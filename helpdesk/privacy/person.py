"""Everything the help desk holds about one e-mail address (the right of access), and its
erasure (the right to erasure): requests made from it or naming it as the activation address,
their timeline, files and what the school was asked; mails sent to it and mails received from
it (mail-in: received, kept in quarantine, bounces of that address); a staff account of that
address and the audit-log entries about it. The account directory (ÉduConnect's stand-in) is
not the help desk's data and is left out."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from email_validator import EmailNotValidError, validate_email
from piccolo.engine.postgres import PostgresEngine

from helpdesk.auth.tables import AuditLog, User
from helpdesk.core.db import write_transaction
from helpdesk.establishments.tables import Transmission
from helpdesk.mail.tables import OutboxMail
from helpdesk.mailin import retention as mailin_retention
from helpdesk.mailin.tables import AddressBounce, QuarantinedMail, ReceivedMail
from helpdesk.privacy.purge import anonymise
from helpdesk.tickets.tables import Attachment, Ticket, TicketEvent

INVALID = "Saisissez une adresse électronique valide, par exemple nom@exemple.fr."


def normalise(raw: str) -> str:
    """The address as stored (lower case); ValueError with a French message otherwise."""
    raw = (raw or "").strip()
    if not raw or len(raw) > 320:
        raise ValueError(INVALID)
    try:
        validate_email(raw, check_deliverability=False)
    except EmailNotValidError as error:
        raise ValueError(INVALID) from error
    return raw.lower()


def _like(value: str) -> str:
    """A LIKE pattern close enough; rows are then compared exactly in Python."""
    return "%" + value.replace("%", "_") + "%"


def _contains(column, email: str):
    """Case-insensitive: ILIKE on PostgreSQL, LIKE on SQLite (which ignores ASCII case)."""
    postgres = isinstance(column._meta.table._meta.db, PostgresEngine)
    return column.ilike(_like(email)) if postgres else column.like(_like(email))


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def _loads(value: Any) -> Any:
    return json.loads(value or "{}") if isinstance(value, str) else value or {}


async def tickets_of(email: str) -> list[dict]:
    rows = (
        await Ticket.select()
        .where(_contains(Ticket.requester_email, email) | _contains(Ticket.activation_email, email))
        .order_by(Ticket.id)
    )
    return [
        r for r in rows if email in (r["requester_email"].lower(), r["activation_email"].lower())
    ]


async def mails_to(email: str) -> list[dict]:
    rows = await OutboxMail.select().where(_contains(OutboxMail.recipient, email))
    return [r for r in rows if email in r["recipient"].lower()]


async def mails_from(email: str) -> dict[str, list[dict]]:
    """What mail-in holds of this address: mails received from it, kept in quarantine, and the
    bounces of mails sent to it."""
    received = await ReceivedMail.select().where(_contains(ReceivedMail.sender, email))
    kept = await QuarantinedMail.select(
        QuarantinedMail.id,
        QuarantinedMail.sender,
        QuarantinedMail.subject,
        QuarantinedMail.reason,
        QuarantinedMail.received_at,
    ).where(_contains(QuarantinedMail.sender, email))
    bounces = await AddressBounce.select().where(_contains(AddressBounce.address, email))
    return {
        "received": [r for r in received if r["sender"].lower() == email],
        "quarantined": [r for r in kept if r["sender"].lower() == email],
        "bounces": [r for r in bounces if r["address"].lower() == email],
    }


async def staff_account(email: str) -> dict | None:
    return await User.select().where(User.email == email).first()


async def audit_entries(email: str, user_id: int | None) -> list[dict]:
    """Entries of the staff account of that address, and entries that name the address."""
    rows = await AuditLog.raw(
        "SELECT * FROM audit_log WHERE user_id = {} OR LOWER(CAST(detail AS TEXT)) LIKE {} "
        "ORDER BY id",
        user_id if user_id is not None else -1,
        _like(email),
    )
    return [
        r
        for r in rows
        if r["user_id"] == user_id or email in json.dumps(_loads(r["detail"])).lower()
    ]


async def ticket_record(ticket: dict) -> dict:
    events = (
        await TicketEvent.select()
        .where(TicketEvent.ticket == ticket["id"])
        .order_by(TicketEvent.id)
    )
    files = await Attachment.select().where(Attachment.ticket == ticket["id"])
    asked = await Transmission.select().where(Transmission.ticket == ticket["id"])
    return {
        "reference": ticket["reference"],
        "academie": ticket["academie"],
        "categorie": ticket["category"],
        "statut": ticket["status"],
        "creee_le": _iso(ticket["created_at"]),
        "close_le": _iso(ticket["closed_at"]),
        "demandeur": {
            "qualite": ticket["requester_kind"],
            "prenom": ticket["requester_first_name"],
            "nom": ticket["requester_last_name"],
            "courriel": ticket["requester_email"],
            "telephone": ticket["requester_phone"],
        },
        "eleve": {
            "prenom": ticket["child_first_name"],
            "nom": ticket["child_last_name"],
            "date_de_naissance_saisie": ticket["child_birth_date_typed"],
            "date_de_naissance_refusee_saisie": ticket["refused_birth_date_typed"],
            "classe": ticket["child_classe"],
            "ine": ticket["child_ine"],
        },
        "etablissement": {"uai": ticket["uai"], "nom": ticket["etablissement"]},
        "identifiant_educonnect": ticket["identifier"],
        "adresse_saisie_a_l_activation": ticket["activation_email"],
        "message": ticket["message"],
        "precisions": _loads(ticket["details"]),
        "echanges": [
            {
                "date": _iso(e["created_at"]),
                "type": e["kind"],
                "auteur": e["author"],
                "visible_du_demandeur": e["public"],
                "texte": e["body"],
            }
            for e in events
        ],
        "pieces_jointes": [
            {"nom": f["filename"], "type": f["content_type"], "octets": f["size"]} for f in files
        ],
        "transmissions_a_l_etablissement": [
            {"date": _iso(t["created_at"]), "question": t["question"], "reponse": t["answer"]}
            for t in asked
        ],
    }


async def gather(email: str) -> dict:
    staff = await staff_account(email)
    user_id = staff["id"] if staff else None
    return {
        "adresse": email,
        "exporte_le": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "demandes": [await ticket_record(t) for t in await tickets_of(email)],
        "courriels": [
            {
                "date": _iso(m["created_at"]),
                "objet": m["subject"],
                "etat": m["status"],
                "texte": m["text_body"],
            }
            for m in await mails_to(email)
        ],
        "courriels_recus": received_record(await mails_from(email)),
        "compte_du_personnel": {
            "courriel": staff["email"],
            "nom": staff["name"],
            "role": staff["role"],
            "academie": staff["academie"],
            "cree_le": _iso(staff["created_at"]),
            "derniere_connexion": _iso(staff["last_login_at"]),
        }
        if staff
        else None,
        "journal": [
            {
                "date": _iso(r["created_at"]),
                "action": r["action"],
                "adresse_ip": r["ip"],
                "detail": _loads(r["detail"]),
            }
            for r in await audit_entries(email, user_id)
        ],
    }


def received_record(held: dict[str, list[dict]]) -> list[dict]:
    received = [
        {"date": _iso(r["received_at"]), "suite": r["outcome"], "demande": r["ticket_reference"]}
        for r in held["received"]
    ]
    kept = [
        {"date": _iso(r["received_at"]), "suite": "quarantaine", "objet": r["subject"]}
        for r in held["quarantined"]
    ]
    bounced = [
        {"date": _iso(r["created_at"]), "suite": "adresse_en_erreur", "raison": r["reason"]}
        for r in held["bounces"]
    ]
    return sorted(received + kept + bounced, key=lambda r: str(r["date"]))


async def erase(settings, email: str) -> dict:
    """Anonymises the address's requests (closing those still open), deletes its mails and
    the address from the audit log. A staff account stays (deactivate it on its own page):
    the audit log needs to know who did what."""
    tickets = await tickets_of(email)
    held = await mails_from(email)  # before the requests' own bounces go with them
    opened = [t["id"] for t in tickets if t["status"] not in ("clos", "spam")]
    if opened:
        now = dt.datetime.now(dt.UTC)
        await Ticket.update(
            {Ticket.status: "clos", Ticket.closed_at: now, Ticket.version: Ticket.version + 1}
        ).where(Ticket.id.is_in(opened))
    files = await anonymise(settings, tickets, dt.datetime.now(dt.UTC)) if tickets else 0
    mails = await mails_to(email)
    staff = await staff_account(email)
    entries = [
        r
        for r in await audit_entries(email, staff["id"] if staff else None)
        if email in json.dumps(_loads(r["detail"])).lower()
    ]
    async with write_transaction(Ticket._meta.db):
        if mails:
            await OutboxMail.delete().where(OutboxMail.id.is_in([m["id"] for m in mails]))
        await mailin_retention.forget_held(held)
        for entry in entries:  # the address goes, the rest of the entry stays
            detail = {
                k: v for k, v in _loads(entry["detail"]).items() if email not in str(v).lower()
            }
            await AuditLog.update({AuditLog.detail: json.dumps(detail)}).where(
                AuditLog.id == entry["id"]
            )
    return {
        "demandes": [t["reference"] for t in tickets],
        "pieces_jointes": files,
        "courriels": len(mails),
        "courriels_recus": sum(len(rows) for rows in held.values()),
        "journal": len(entries),
    }
