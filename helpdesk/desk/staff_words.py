"""What staff read on their screens: words, never the codes the tables keep."""

from __future__ import annotations

import json

# Staff read a ticket's status from the desk's side (the requester reads « votre réponse »).
STAFF_STATUS_LABELS = {
    "nouveau": "Reçue, en attente de traitement",
    "en_cours": "En cours de traitement",
    "en_attente": "En attente du demandeur",
    "resolu": "Résolue",
    "clos": "Close",
    "spam": "Indésirable",
}
# The kinds of a ticket's history.
EVENT_KINDS = {
    "message": "Message du demandeur",
    "reponse": "Réponse publique",
    "note": "Note interne",
    "statut": "Statut",
    "assignation": "Assignation",
    "courriel": "Courriel",
    "priorite": "Priorité",
    "categorie": "Catégorie",
    "compte": "Action sur le compte",
    "compte_lie": "Compte lié à la demande",
    "transmission": "Transmis à l'établissement",
    "transmission_reponse": "Réponse de l'établissement",
    "courrier": "Courrier",
    "fusion": "Regroupement",
    "transfert": "Transfert",
    "lien": "Lien de suivi",
    "piece": "Pièce jointe",
    "incident": "Incident",
    "changement_nuit": "Changement de nuit",
}
# A responsable's link with an élève (accounts.port.LINK_STATUSES).
LINK_STATUS_WORDS = {
    "confirme": "rattaché",
    "non_confirme": "non confirmé",
    "signale_errone": "signalé erroné par le responsable",
}


def event_kind(kind: str) -> str:
    return EVENT_KINDS.get(kind, kind.replace("_", " ").capitalize())


# How a ticket came in (the queue's « Canal » filter and the ticket page).
CHANNEL_LABELS = {
    "web": "Formulaire",
    "api": "API",
    "courriel": "Courriel",  # helpdesk.mailin
    "escalation": "Établissement",
    "annuaire": "Signalement de l'annuaire",
}
REQUESTER_KINDS = {
    "parent": "responsable",
    "eleve": "élève",
    "etablissement": "personnel de l'établissement",
}


def event_text(event: dict) -> str:
    """A history line as staff read it: a status change in the desk's words (the stored
    sentence is the requester's, who reads « En attente de votre réponse »)."""
    data = event.get("data")
    if isinstance(data, str):
        data = json.loads(data or "{}")
    if event["kind"] == "statut" and isinstance(data, dict) and data.get("apres"):
        before = STAFF_STATUS_LABELS.get(data.get("avant", ""), "")
        after = STAFF_STATUS_LABELS.get(data["apres"], "")
        if before and after:
            return f"Statut\u00a0: {before} → {after}."
    return event["body"]
