"""Reading the audit log (`audit_log`, written by helpdesk.auth.service.audit): who logged in,
what was done to staff accounts, which personal data were exported or erased. Admins read it
all; a supervisor reads the entries of the staff of their académie."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass

from helpdesk.auth.tables import ROLE_LABELS, AuditLog, User
from helpdesk.core.french import PARIS, datetime_fr

PAGE_SIZE = 100
CSV_LIMIT = 50_000

ACTION_LABELS = {
    "connexion": "Connexion",
    "connexion_refusee": "Connexion refusée",
    "connexion_bloquee": "Connexion bloquée (trop d'essais)",
    "code_refuse": "Code du second facteur refusé",
    "deconnexion_partout": "Déconnexion de toutes les sessions",
    "mot_de_passe_change": "Mot de passe changé",
    "compte_cree": "Compte créé",
    "compte_activer": "Compte réactivé",
    "compte_desactiver": "Compte désactivé",
    "compte_exiger_totp": "Second facteur exigé",
    "compte_reinitialiser": "Lien de mot de passe envoyé",
    "compte_role": "Rôle changé",
    "compte_reinitialiser_totp": "Second facteur réinitialisé",
    "codes_de_secours_crees": "Codes de secours créés",
    "action_compte": "Action sur un compte ÉduConnect",
    "comptes_en_lot": "Action sur plusieurs comptes ÉduConnect",
    "courriers_remis": "Courriers marqués comme remis",
    "export_donnees": "Données d'une personne exportées",
    "effacement_donnees": "Données d'une personne effacées",
}
DETAIL_LABELS = {
    "email": "adresse saisie",
    "detail_email": "adresse",
    "role": "rôle",
    "user": "compte visé",
    "api": "par l'API",
    "second_facteur": "avec le second facteur",
    "code_de_secours": "avec un code de secours",
    "rejeu": "code déjà utilisé",
    "format": "format",
    "personne": "personne",
    "demandes": "demandes",
    "courriels": "courriels",
    "operation": "action",
    "compte": "compte",
    "demande": "demande",
    "uai": "UAI",
    "lot": "lot",
    "courrier": "courrier",
    "comptes": "comptes",
}


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, code.replace("_", " ").capitalize())


@dataclass
class Filters:
    action: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    person: str = ""
    before: int | None = None  # the page: entries older than this id

    @classmethod
    def parse(cls, params) -> tuple[Filters, dict[str, str]]:
        """The filters of the page's form; French messages for what cannot be read."""
        filters, errors = cls(), {}
        action = (params.get("action") or "").strip()
        if action and action not in ACTION_LABELS:
            errors["action"] = "Choisissez une action de la liste."
        else:
            filters.action = action
        for name, attribute in (("du", "start"), ("au", "end")):
            raw = (params.get(name) or "").strip()
            if not raw:
                continue
            try:
                setattr(filters, attribute, dt.date.fromisoformat(raw))
            except ValueError:
                errors[name] = "Saisissez une date, par exemple 04/03/2026."
        if filters.start and filters.end and filters.start > filters.end:
            errors["au"] = "Cette date doit suivre celle du début."
        filters.person = (params.get("personne") or "").strip()[:320]
        before = params.get("avant") or ""
        filters.before = int(before) if before.isdigit() and len(before) < 18 else None
        return filters, errors


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), PARIS).astimezone(dt.UTC)


async def visible_users(staff) -> dict[int, dict]:
    """The staff whose entries this person may read (id → row); None-keyed entries (no
    account: a refused login) only for admins."""
    query = User.select(User.id, User.email, User.name, User.role, User.academie)
    if staff.role != "admin":
        query = query.where(User.academie == staff.academie)
    return {row["id"]: row for row in await query}


async def entries(staff, filters: Filters, limit: int = PAGE_SIZE) -> tuple[list[dict], dict]:
    users = await visible_users(staff)
    where = AuditLog.id > 0
    if staff.role != "admin":
        where &= AuditLog.user_id.is_in(list(users) or [-1])
    if filters.action:
        where &= AuditLog.action == filters.action
    if filters.start:
        where &= AuditLog.created_at >= _day_start(filters.start)
    if filters.end:
        where &= AuditLog.created_at < _day_start(filters.end + dt.timedelta(days=1))
    if filters.person:
        wanted = [i for i, u in users.items() if filters.person.lower() in u["email"].lower()]
        where &= AuditLog.user_id.is_in(wanted or [-1])
    if filters.before:
        where &= AuditLog.id < filters.before
    rows = await AuditLog.select().where(where).order_by(AuditLog.id, ascending=False).limit(limit)
    return rows, users


def who(row: dict, users: dict) -> str:
    user = users.get(row["user_id"])
    if user is None:
        return "-" if row["user_id"] is None else "compte supprimé"
    role = ROLE_LABELS.get(user["role"], "")
    return f"{user['name'] or user['email']} ({user['email']}, {role.lower()})"


def detail_text(row: dict, users: dict) -> str:
    detail = row["detail"]
    detail = json.loads(detail or "{}") if isinstance(detail, str) else detail or {}
    parts = []
    for key, value in detail.items():
        if key == "user" and value in users:
            value = users[value]["email"]
        elif key == "role":
            value = ROLE_LABELS.get(value, value)
        elif value is True:
            parts.append(DETAIL_LABELS.get(key, key.replace("_", " ")))
            continue
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value) or "aucune"
        parts.append(f"{DETAIL_LABELS.get(key, key.replace('_', ' '))}\u00a0: {value}")
    return "\u00a0; ".join(parts)


def display(rows: list[dict], users: dict) -> list[dict]:
    return [
        {
            "id": row["id"],
            "date": datetime_fr(row["created_at"]),
            "who": who(row, users),
            "action": action_label(row["action"]),
            "detail": detail_text(row, users),
            "ip": row["ip"],
        }
        for row in rows
    ]


def as_csv(lines: list[dict]) -> str:
    """UTF-8 with its BOM and « ; » between fields: what French spreadsheets open as is."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Date", "Personne", "Action", "Détail", "Adresse IP"])
    for line in lines:
        writer.writerow([line["date"], line["who"], line["action"], line["detail"], line["ip"]])
    return "\ufeff" + out.getvalue()
