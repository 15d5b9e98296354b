"""What staff read on their screens: words, never the codes the tables keep."""

from __future__ import annotations

# The categories as the queue and the history name them.
SHORT_CATEGORY = {
    "date_naissance": "Date de naissance",
    "rattachement": "Rattachement",
    "mail_confirmation": "Courriel de confirmation",
    "identifiant_perdu": "Identifiant perdu",
    "mot_de_passe": "Mot de passe",
    "auto_inscription": "Auto-inscription SMS",
    "compte_compromis": "Compte compromis",
    "demarche_en_ligne": "Démarche en ligne",
    "etablissement_console": "Console établissement",
    "autre": "Autre",
}

# Staff read a ticket's status from the desk's side (the requester reads « votre réponse »).
STAFF_STATUS_LABELS = {
    "nouveau": "Nouvelle",
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
