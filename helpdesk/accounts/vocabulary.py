"""The words of ÉduConnect's console (seeds 003 and 004) that cross the port: kinds of account,
states, origins, flags, links, passwords. Codes are for URLs and filters; labels are shown."""

KINDS = ("responsable", "eleve")

# Account states, as the console writes them (guide 3.2, 5.1); codes for URLs and filters.
NON_INFORME = "Non activé - non informé"
INFORME = "Non activé - informé"
EN_COURS = "En cours d'activation"
ACTIVE = "Activé"
STATES: dict[str, str] = {
    "non_active_non_informe": NON_INFORME,
    "non_active_informe": INFORME,
    "en_cours_activation": EN_COURS,
    "active": ACTIVE,
}
STATE_CODES = {label: code for code, label in STATES.items()}

# Origin of the account: how it was activated (guide §6 "Mode d'activation des comptes").
ORIGINS = ("Responsable", "FranceConnect", "Établissement", "ATEN", "ENT", "Non renseigné")

# Flags shown by the console's icons and its "À traiter" filter (guide 3.1, 5.1, 5.5).
FLAGS = (
    "compromis",
    "adresse_mail_en_erreur",
    "date_naissance_signalee_incorrecte",
    "rattachement_signale_errone",
)
FLAG_LABELS = {
    "compromis": "Compte compromis",
    "adresse_mail_en_erreur": "Adresse mail en erreur",
    "date_naissance_signalee_incorrecte": "Date de naissance signalée incorrecte",
    "rattachement_signale_errone": "Rattachement signalé erroné",
}

# A responsable's link with an élève: confirmed on the account, known in the school's base but
# not yet confirmed (guide 5.5 "Élèves dont le lien n'est pas confirmé"), or reported wrong by the
# responsable (« Je ne suis pas le représentant légal de cet élève », guide 5.1 item 8).
LINK_STATUSES = ("confirme", "non_confirme", "signale_errone")
RELATIONS = ("Représentant légal", "Personne en charge")

# Password column of the console (guide 3.5, 5.5): not set, temporary, chosen by the user.
PASSWORD_KINDS = {"": "Non renseigné", "provisoire": "Mot de passe temporaire", "choisi": "Choisi"}

UNAVAILABLE_MESSAGE = "Le service des comptes est indisponible. Réessayez dans quelques minutes."
