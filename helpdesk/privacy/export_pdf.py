"""The readable export of one person's data: the same content as the JSON, in French, as a PDF
(fpdf2, as the letters of helpdesk/establishments/letters.py)."""

from __future__ import annotations

import datetime as dt

from helpdesk.categories.catalogue import CATEGORIES
from helpdesk.core.french import date_fr, datetime_fr
from helpdesk.establishments.letters import set_fonts
from helpdesk.privacy.audit import action_label

STATUS_LABELS = {
    "nouveau": "nouvelle",
    "en_cours": "en cours",
    "en_attente": "en attente de votre réponse",
    "resolu": "résolue",
    "clos": "close",
    "spam": "close (indésirable)",
}
EVENT_LABELS = {
    "message": "Message du demandeur",
    "reponse": "Réponse de l'assistance",
    "note": "Note interne de l'assistance",
    "statut": "Changement d'état",
    "courriel": "Courriel",
    "piece": "Pièce jointe",
    "compte": "Action sur le compte ÉduConnect",
    "lien": "Demande liée",
}
MAIL_STATES = {
    "pending": "à envoyer",
    "sending": "en cours d'envoi",
    "sent": "envoyé",
    "failed": "non remis",
}
RECEIVED_OUTCOMES = {
    "reponse": "réponse ajoutée à une demande",
    "nouvelle": "nouvelle demande ouverte",
    "rebond": "avis de non-remise",
    "automatique": "réponse automatique, ignorée",
    "refuse": "refusé (adresse de réponse inconnue)",
    "quarantaine": "gardé en quarantaine",
    "adresse_en_erreur": "adresse signalée en erreur par un avis de non-remise",
}


def when(value: str | None) -> str:
    if not value:
        return "-"
    parsed = dt.datetime.fromisoformat(value)
    return (
        datetime_fr(parsed) if isinstance(parsed, dt.datetime) and "T" in value else date_fr(parsed)
    )


def lines_of(data: dict, academies) -> list[tuple[str, str]]:
    """(style, text) lines: « T » title, « H » heading, « » text."""
    out = [("T", f"Données personnelles liées à l'adresse {data['adresse']}")]
    out.append(("", f"Export du {when(data['exporte_le'])}."))
    out.append(("H", f"Demandes d'assistance ({len(data['demandes'])})"))
    if not data["demandes"]:
        out.append(("", "Aucune demande."))
    for ticket in data["demandes"]:
        out += ticket_lines(ticket, academies)
    out.append(("H", f"Courriels envoyés à cette adresse ({len(data['courriels'])})"))
    for mail in data["courriels"]:
        state = MAIL_STATES.get(mail["etat"], mail["etat"])
        out.append(("", f"{when(mail['date'])}, «\u00a0{mail['objet']}\u00a0» ({state})\u00a0:"))
        out.append(("", mail["texte"]))
    out.append(("H", f"Courriels reçus de cette adresse ({len(data['courriels_recus'])})"))
    for mail in data["courriels_recus"]:
        out.append(("", f"{when(mail['date'])}\u00a0: {RECEIVED_OUTCOMES.get(mail['suite'], '')}"))
    staff = data["compte_du_personnel"]
    out.append(("H", "Compte du personnel"))
    if staff:
        out.append(("", f"{staff['nom']} ({staff['courriel']}), créé le {when(staff['cree_le'])}."))
    else:
        out.append(("", "Aucun compte du personnel à cette adresse."))
    out.append(("H", f"Journal des connexions et des actions ({len(data['journal'])})"))
    for entry in data["journal"]:
        ip = f", adresse IP {entry['adresse_ip']}" if entry["adresse_ip"] else ""
        out.append(("", f"{when(entry['date'])}\u00a0: {action_label(entry['action'])}{ip}"))
    return out


def ticket_lines(ticket: dict, academies) -> list[tuple[str, str]]:
    academie = academies.get(ticket["academie"])
    category = CATEGORIES.get(ticket["categorie"])
    who, child = ticket["demandeur"], ticket["eleve"]
    out = [
        ("H", f"Demande {ticket['reference']}"),
        ("", f"Académie\u00a0: {academie.nom if academie else ticket['academie']}."),
        ("", f"Problème\u00a0: {category.label if category else ticket['categorie']}."),
        ("", f"Reçue le {when(ticket['creee_le'])}, {STATUS_LABELS.get(ticket['statut'], '')}."),
        (
            "",
            f"Demandeur\u00a0: {who['prenom']} {who['nom']}, {who['courriel']} {who['telephone']}",
        ),
        ("", f"Élève\u00a0: {child['prenom']} {child['nom']} {child['classe']}"),
    ]
    if child["date_de_naissance_saisie"]:
        out.append(("", f"Date de naissance saisie\u00a0: {child['date_de_naissance_saisie']}"))
    if ticket["identifiant_educonnect"]:
        out.append(("", f"Identifiant ÉduConnect\u00a0: {ticket['identifiant_educonnect']}"))
    out.append(("", f"Message\u00a0: {ticket['message']}"))
    for event in ticket["echanges"]:
        label = EVENT_LABELS.get(event["type"], "Événement")
        out.append(("", f"{when(event['date'])}, {label}\u00a0: {event['texte']}"))
    for file in ticket["pieces_jointes"]:
        out.append(("", f"Pièce jointe\u00a0: {file['nom']} ({file['octets']} octets)"))
    for asked in ticket["transmissions_a_l_etablissement"]:
        out.append(
            ("", f"Question à l'établissement\u00a0: {asked['question']} {asked['reponse']}")
        )
    return out


def person_pdf(data: dict, academies, font: str) -> bytes:
    from fpdf import FPDF  # imported here: heavy, and used a few times a year

    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    family, text_of = set_fonts(pdf, font)
    fonts = {"T": ("B", 14, 8), "H": ("B", 12, 7), "": ("", 10, 5)}
    for style, text in lines_of(data, academies):
        weight, size, height = fonts[style]
        if style:
            pdf.ln(3)
        pdf.set_font(family, style=weight, size=size)
        pdf.multi_cell(0, height, text_of(text), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
