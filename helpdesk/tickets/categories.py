"""What can go wrong, in a parent's words, and what each category asks (DESIGN.md §3)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    code: str
    label: str  # as a parent would say it
    hint: str
    required: tuple[str, ...] = ()
    shown: tuple[str, ...] = ()  # optional fields worth asking for this problem


CHILD = ("child_first_name", "child_last_name")
COMMON = ("identifier", "child_classe")

CATEGORIES: dict[str, Category] = {
    c.code: c
    for c in [
        Category(
            "date_naissance",
            "La date de naissance de mon enfant est refusée",
            "Le message « La date de naissance saisie est incorrecte » s'affiche à l'activation.",
            required=(*CHILD, "child_birth_date", "refused_birth_date"),
            shown=COMMON,
        ),
        Category(
            "rattachement",
            "Un de mes enfants n'apparaît pas sur mon compte, ou un enfant qui n'est pas le mien y figure",
            "Enfant manquant, enfant rattaché par erreur, comptes à regrouper.",
            required=(*CHILD, "child_birth_date"),
            shown=COMMON,
        ),
        Category(
            "mail_confirmation",
            "Je n'ai pas reçu le courriel de confirmation",
            "Courriel de confirmation jamais reçu, adresse mal saisie, changement d'adresse en attente.",
            required=("activation_email",),
            shown=(*COMMON, *CHILD),
        ),
        Category(
            "identifiant_perdu",
            "J'ai perdu mon identifiant",
            "« Identifiant oublié ? » ne fonctionne pas pour vous.",
            required=CHILD,
            shown=COMMON,
        ),
        Category(
            "mot_de_passe",
            "J'ai perdu mon mot de passe, ou mon mot de passe provisoire ne fonctionne pas",
            "« Mot de passe oublié ? » ne fonctionne pas, ou le mot de passe provisoire est refusé.",
            shown=(*COMMON, *CHILD),
        ),
        Category(
            "auto_inscription",
            "Je n'arrive pas à créer mon compte avec mon numéro de téléphone portable",
            "Numéro de mobile inconnu, SMS jamais reçu lors de « Je n'ai pas de compte ».",
            required=("requester_phone", *CHILD),
            shown=("child_birth_date", "child_classe"),
        ),
        Category(
            "compte_compromis",
            "Mon compte est bloqué ou quelqu'un d'autre l'utilise",
            "Compte signalé comme compromis, connexion suspecte.",
            shown=(*COMMON, *CHILD),
        ),
        Category(
            "demarche_en_ligne",
            "Ma question porte sur une démarche en ligne (bourse, fiche de renseignements…) ou sur ce qu'affiche l'ENT",
            "Ces questions relèvent de l'établissement ou de la plateforme nationale d'assistance.",
            shown=CHILD,
        ),
        Category(
            "autre",
            "Autre difficulté avec ÉduConnect",
            "Décrivez votre difficulté avec vos mots.",
            shown=(*COMMON, *CHILD, "child_birth_date"),
        ),
    ]
}

# The establishment's own escalations (issue of the agents' space) use this code too.
ALL_CATEGORY_CODES = (*CATEGORIES, "etablissement_console")


def fields_of(category: Category) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*category.required, *category.shown)))
