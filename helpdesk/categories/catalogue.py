"""What can go wrong, in a parent's words, and everything the help desk knows of each kind of
problem (DESIGN.md §3): the form's fields, the FAQ answers about it, the agent's checklist, the
account actions allowed from such a ticket and the default service-level targets.

This table is the one source of these facts: the form, the triage, the FAQ, the desk and the
account panel read it.
"""

from __future__ import annotations

from dataclasses import dataclass

CHILD = ("child_first_name", "child_last_name")
COMMON = ("identifier", "child_classe")
EVERY_ACTION = None  # the account panel offers every action of the port


@dataclass(frozen=True)
class Category:
    code: str
    label: str  # as a parent would say it (the form, the follow-up page)
    short: str  # as staff name it (the queue, the history)
    hint: str = ""
    required: tuple[str, ...] = ()
    shown: tuple[str, ...] = ()  # optional fields worth asking for this problem
    on_form: bool = True  # False: only schools raise it, from their own space
    faq: tuple[str, ...] = ()  # the FAQ answers about it (slugs), the most useful first
    checklist: tuple[str, ...] = ()  # what an agent checks, on the ticket page
    actions: tuple[str, ...] | None = ()  # account actions allowed from such a ticket
    targets: tuple[int, int] = (8, 40)  # working hours to a first answer, to a resolution


_TABLE = (
    Category(
        "date_naissance",
        "La date de naissance de mon enfant est refusée",
        "Date de naissance",
        "Le message «\u00a0La date de naissance saisie est incorrecte\u00a0» s'affiche à l'activation.",
        required=(*CHILD, "child_birth_date", "refused_birth_date"),
        shown=COMMON,
        faq=("date-naissance-incorrecte",),
        checklist=(
            "Retrouver le compte du responsable et l'élève concerné.",
            "Comparer la date refusée, la date donnée par le parent et celle de la base élèves.",
            "Faire corriger la date dans la base de l'établissement si elle y est fausse "
            "(effective la nuit suivante).",
        ),
        actions=("correct_birth_date",),
        targets=(8, 40),
    ),
    Category(
        "rattachement",
        "Un de mes enfants n'apparaît pas sur mon compte, ou un enfant qui n'est pas le mien "
        "y figure",
        "Rattachement",
        "Enfant manquant, enfant rattaché par erreur, comptes à regrouper.",
        required=(*CHILD, "child_birth_date"),
        shown=COMMON,
        faq=(
            "enfant-absent",
            "rattacher-autres-enfants",
            "regrouper-mes-comptes",
            "pas-representant-legal",
            "courrier-deja-un-compte",
        ),
        checklist=(
            "Vérifier l'identité du responsable et le lien avec l'élève auprès de l'établissement.",
            "Rattacher, détacher ou regrouper les comptes (les noms doivent être identiques).",
        ),
        actions=("link_child", "unlink_child", "merge_accounts", "clear_link_report"),
        targets=(8, 40),
    ),
    Category(
        "mail_confirmation",
        "Je n'ai pas reçu le courriel de confirmation",
        "Courriel de confirmation",
        "Courriel de confirmation jamais reçu, adresse mal saisie, changement d'adresse en "
        "attente.",
        required=("activation_email",),
        shown=(*COMMON, *CHILD),
        faq=(
            "courriel-confirmation-non-recu",
            "adresse-mail-non-validee",
            "modification-adresse-en-cours",
            "courriel-validation-introuvable",
            "modifier-adresse-mail",
            "eleve-adresse-mail",
        ),
        checklist=(
            "Comparer l'adresse saisie à l'activation et celle que donne le parent.",
            "Corriger l'adresse si besoin, puis renvoyer le courriel de confirmation.",
        ),
        actions=("update_email", "resend_confirmation_mail"),
        targets=(8, 24),
    ),
    Category(
        "identifiant_perdu",
        "J'ai perdu mon identifiant",
        "Identifiant perdu",
        "«\u00a0Identifiant oublié\u00a0?\u00a0» ne fonctionne pas pour vous.",
        required=CHILD,
        shown=COMMON,
        faq=(
            "identifiant-perdu",
            "eleve-identifiant-mot-de-passe-perdu",
            "identifiant-nom-errone",
        ),
        checklist=(
            "Retrouver le compte par les noms de l'élève et du responsable.",
            "Envoyer un rappel d'identifiant.",
        ),
        actions=("remind_identifier", "regenerate_identifier"),
        targets=(8, 16),
    ),
    Category(
        "mot_de_passe",
        "J'ai perdu mon mot de passe, ou mon mot de passe provisoire ne fonctionne pas",
        "Mot de passe",
        "«\u00a0Mot de passe oublié\u00a0?\u00a0» ne fonctionne pas, ou le mot de passe provisoire est refusé.",
        shown=(*COMMON, *CHILD),
        faq=(
            "mot-de-passe-perdu",
            "mot-de-passe-provisoire",
            "eleve-identifiant-mot-de-passe-perdu",
            "modifier-mot-de-passe",
            "nouveau-mot-de-passe-demande",
        ),
        checklist=(
            "Vérifier l'état du compte (non activé, compromis\u00a0: passer par «\u00a0Informer\u00a0»).",
            "Réinitialiser avec un mot de passe provisoire.",
        ),
        actions=("reset_password", "inform"),
        targets=(8, 16),
    ),
    Category(
        "auto_inscription",
        "Je n'arrive pas à créer mon compte avec mon numéro de téléphone portable",
        "Auto-inscription SMS",
        "Numéro de mobile inconnu, SMS jamais reçu lors de «\u00a0Je n'ai pas de compte\u00a0».",
        required=("requester_phone", *CHILD),
        shown=("child_birth_date", "child_classe"),
        faq=("auto-inscription-echec", "auto-inscription-sms", "franceconnect"),
        checklist=(
            "Comparer le mobile saisi et celui de la fiche de renseignements.",
            "Corriger le numéro et inviter le parent à recommencer.",
        ),
        actions=("update_mobile",),
        targets=(8, 24),
    ),
    Category(
        "compte_compromis",
        "Mon compte est bloqué ou quelqu'un d'autre l'utilise",
        "Compte compromis",
        "Compte signalé comme compromis, connexion suspecte.",
        shown=(*COMMON, *CHILD),
        faq=("compte-compromis", "nouveau-mot-de-passe-demande"),
        checklist=(
            "Informer le responsable avec le courrier de compromission et un nouveau mot de passe.",
        ),
        actions=("inform", "mark_compromised"),
        targets=(4, 16),
    ),
    Category(
        "demarche_en_ligne",
        "Ma question porte sur une démarche en ligne (bourse, fiche de renseignements…) ou sur "
        "ce qu'affiche l'ENT",
        "Démarche en ligne",
        "Ces questions relèvent de l'établissement ou de la plateforme nationale d'assistance.",
        shown=CHILD,
        faq=("demarche-en-ligne", "ent-informations-erronees"),
        checklist=("Orienter vers l'établissement ou la plateforme nationale d'assistance.",),
        actions=(),
        targets=(8, 16),
    ),
    Category(
        "etablissement_console",
        "Établissement\u00a0: console d'administration des comptes",
        "Console établissement",
        on_form=False,
        actions=EVERY_ACTION,
        targets=(8, 40),
    ),
    Category(
        "autre",
        "Autre difficulté avec ÉduConnect",
        "Autre",
        "Décrivez votre difficulté avec vos mots.",
        shown=(*COMMON, *CHILD, "child_birth_date"),
        actions=EVERY_ACTION,
        targets=(8, 40),
    ),
)

ALL_CATEGORIES: dict[str, Category] = {c.code: c for c in _TABLE}
# What a parent chooses from on the form (schools' escalations have their own code).
CATEGORIES: dict[str, Category] = {c.code: c for c in _TABLE if c.on_form}
ALL_CATEGORY_CODES = tuple(ALL_CATEGORIES)
CATEGORY_FAQ = {c.code: c.faq for c in _TABLE}  # read by the triage and the FAQ search
FALLBACK = "autre"  # what a message that says nothing recognisable is filed under


class ByCode(dict[str, str]):
    """A word for each category code, for screens: a code this release does not know (an old
    ticket may carry a retired one) reads as the fallback's word, never as the code."""

    def __missing__(self, code: str) -> str:
        return self[FALLBACK]


# How staff name each category (the queue, the history, the statistics), how a parent says it.
SHORT_NAMES = ByCode({c.code: c.short for c in _TABLE})
LABELS = ByCode({c.code: c.label for c in _TABLE})


def fields_of(category: Category) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*category.required, *category.shown)))


def category_of(code: str) -> Category:
    """The category of that code; « Autre » for a code this release does not know."""
    return ALL_CATEGORIES.get(code) or ALL_CATEGORIES[FALLBACK]
