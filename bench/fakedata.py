"""French-looking people and messages for the load tests (no Faker: small lists, a seeded RNG).

Surnames: the 30 most common French surnames (a quarter of the people, Zipf-weighted, Martin
first) and a long tail of plausible names built from syllables; first names with accents;
messages written as parents write them, by category, with a few variable details.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata

COMMON_SURNAMES = (
    "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel "
    "Lefebvre Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine "
    "Rousseau Vincent Muller Lefèvre Faure André"
).split()
_COMMON_WEIGHTS = [1 / (rank**0.7) for rank in range(1, len(COMMON_SURNAMES) + 1)]
_HEADS = "Bou Mar Ber Char Gau Lam Roch Mor Ver Cha Fon Bel Ri Gi Pel Sau Thi Vil Cour Du Le Ma Po Ro Ta".split()
_TAILS = (
    "chard chand thier bert din doux lier net rand ret teau vin ville mont court lot nier ault "
    "veau zière quet geot bois ron lard ssac"
).split()
LONG_TAIL_SURNAMES = sorted({h + t for h in _HEADS for t in _TAILS})
COMMON_SHARE = 0.15

ADULT_FIRST_NAMES = (
    "Claire Nathalie Sandrine Isabelle Stéphanie Céline Aurélie Émilie Sophie Julie Hélène "
    "Laëtitia Virginie Élodie Karima Fatima Amina Chloé Marie Anne Sylvie Valérie Agnès "
    "Thomas Nicolas Julien Sébastien Jérôme Frédéric Stéphane Olivier Laurent François "
    "Mickaël Cédric Mohamed Karim Yannick Grégory Benoît Loïc Hervé Éric Pascal Jean-Marc"
).split()
CHILD_FIRST_NAMES = (
    "Léo Gabriel Raphaël Arthur Louis Jules Adam Maël Lucas Hugo Noah Liam Sacha Nathan "
    "Théo Ethan Mathis Noé Timéo Rayan Léa Emma Jade Louise Alice Chloé Lina Rose Anna Mia "
    "Inès Ambre Julia Zoé Léna Manon Camille Lola Éva Maëlys Romane Anaïs Océane Yasmine"
).split()
TOWNS = (
    "Orléans Tours Blois Chartres Bourges Châteauroux Vierzon Dreux Montargis Joué-lès-Tours "
    "Vendôme Romorantin Gien Pithiviers Amboise Chinon Issoudun Saint-Jean-de-Braye "
    "Saint-Martin-d'Auxigny Fleury-les-Aubrais Olivet Loches"
).split()
SCHOOL_KINDS = ("École élémentaire", "École primaire", "Collège", "Lycée", "Lycée professionnel")
SCHOOL_NAMES = (
    "Jean Jaurès",
    "Jules Ferry",
    "Victor Hugo",
    "Anatole France",
    "Jean Zay",
    "Pothier",
    "Descartes",
    "Balzac",
    "Marguerite Audoux",
    "George Sand",
    "Charles Péguy",
    "Jean de la Fontaine",
    "Louis Pasteur",
    "Paul Langevin",
    "Rabelais",
)
DEPARTMENTS = ("18", "28", "36", "37", "41", "45")  # Orléans-Tours
CLASSES_1ER = ("CP", "CE1", "CE2", "CM1", "CM2")
CLASSES_2ND = ("6e", "5e", "4e", "3e", "2nde", "1re", "Terminale")
MAIL_DOMAINS = ("example.fr", "example.com", "example.org", "example.net")  # reserved domains

# Weights: what the académies receive most (lost passwords first, then birth dates…).
CATEGORY_WEIGHTS = {
    "mot_de_passe": 28,
    "date_naissance": 15,
    "identifiant_perdu": 14,
    "mail_confirmation": 11,
    "rattachement": 10,
    "auto_inscription": 8,
    "compte_compromis": 3,
    "demarche_en_ligne": 6,
    "autre": 5,
}

MESSAGES = {
    "mot_de_passe": [
        "Bonjour, j'ai perdu mon mot de passe ÉduConnect et « mot de passe oublié » ne marche pas, je ne reçois rien.",
        "Le mot de passe provisoire donné par {school} est refusé, on me dit qu'il a expiré.",
        "bonjour je narrive pas a me connecter mdp incorrect alors que je suis sur de moi",
        "Mon compte est bloqué après plusieurs essais de mot de passe, je voudrais voir les notes de {child}.",
    ],
    "date_naissance": [
        "La date de naissance de {child} est refusée à l'activation alors que c'est la bonne ({birth}).",
        "Message « La date de naissance saisie est incorrecte » pour mon fils né le {birth}.",
        "Impossible d'activer mon compte : la date de naissance de ma fille n'est pas acceptée.",
    ],
    "identifiant_perdu": [
        "J'ai perdu mon identifiant ÉduConnect, je ne sais plus s'il commence par mon prénom.",
        "Identifiant oublié ne fonctionne pas, je n'ai plus accès à l'adresse mail du compte.",
        "Bonjour, quel est mon identifiant ? Je dois faire la demande de bourse de {child}.",
    ],
    "mail_confirmation": [
        "Je n'ai jamais reçu le courriel de confirmation, même dans les indésirables.",
        "J'ai fait une faute dans mon adresse mail à l'activation, le courriel de confirmation ne vient pas.",
        "Le lien de confirmation reçu par mail a expiré, comment en recevoir un nouveau ?",
    ],
    "rattachement": [
        "Mon deuxième enfant, {child}, n'apparaît pas sur mon compte ÉduConnect.",
        "Un enfant qui n'est pas le mien apparaît sur mon compte, pouvez-vous corriger ?",
        "Nous sommes séparés et je ne vois pas {child} sur mon compte, son père le voit.",
    ],
    "auto_inscription": [
        "Mon numéro de portable est inconnu quand je veux créer mon compte, je l'ai pourtant donné au collège.",
        "Je ne reçois jamais le SMS avec le code pour créer mon compte.",
        "Création du compte par téléphone impossible, le numéro n'est pas reconnu.",
    ],
    "compte_compromis": [
        "Quelqu'un a changé le mot de passe et l'adresse mail de mon compte, je ne peux plus rien faire.",
        "J'ai reçu un message disant que mon compte est compromis, que dois-je faire ?",
    ],
    "demarche_en_ligne": [
        "Je ne trouve pas la fiche de renseignements de {child} dans les services en ligne.",
        "La demande de bourse ne s'affiche pas, le bouton est grisé.",
        "L'ENT affiche une erreur après la connexion ÉduConnect.",
    ],
    "autre": [
        "ÉduConnect me renvoie vers une page blanche depuis hier soir.",
        "Je voudrais supprimer mon compte ÉduConnect, nos enfants ont quitté l'académie.",
        "Je n'arrive pas à me connecter depuis l'application mobile, seulement sur l'ordinateur.",
    ],
}
EXTRA = (
    "Merci d'avance pour votre aide.",
    "J'ai déjà appelé le collège qui m'a dit de vous écrire.",
    "C'est urgent, les inscriptions ferment bientôt.",
    "J'ai essayé sur l'ordinateur et sur le téléphone.",
    "Cordialement.",
    "Je suis disponible par téléphone le matin.",
    "Nous habitons à {town}.",
)


def fold_ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c) and c.isalnum())


def check_letter(digits: str) -> str:
    return "ABCDEFGHJKLMNPRSTUVWXYZ"[int(digits) % 23]


class People:
    """Everything random comes from one seeded generator: the same seed, the same people."""

    def __init__(self, seed: int = 2026) -> None:
        self.rng = random.Random(seed)
        self.categories = list(CATEGORY_WEIGHTS)
        self.category_weights = list(CATEGORY_WEIGHTS.values())
        self.schools = [self._school() for _ in range(120)]

    def _school(self) -> tuple[str, str]:
        rng = self.rng
        digits = f"0{rng.choice(DEPARTMENTS)}{rng.randrange(10000):04d}"
        name = f"{rng.choice(SCHOOL_KINDS)} {rng.choice(SCHOOL_NAMES)}, {rng.choice(TOWNS)}"
        return digits + check_letter(digits), name

    def surname(self) -> str:
        if self.rng.random() < COMMON_SHARE:
            return self.rng.choices(COMMON_SURNAMES, _COMMON_WEIGHTS)[0]
        return self.rng.choice(LONG_TAIL_SURNAMES)

    def category(self) -> str:
        return self.rng.choices(self.categories, self.category_weights)[0]

    def person(self, n: int = 0, today: dt.date | None = None) -> dict:
        """A parent, a child, a school and a message; n makes the e-mail address unique."""
        rng = self.rng
        today = today or dt.date.today()
        last = self.surname()
        first = rng.choice(ADULT_FIRST_NAMES)
        child_last = last if rng.random() < 0.85 else self.surname()
        child = rng.choice(CHILD_FIRST_NAMES)
        degre = "1er" if rng.random() < 0.45 else "2nd"
        age = rng.randrange(6, 11) if degre == "1er" else rng.randrange(11, 18)
        birth = today - dt.timedelta(days=365 * age + rng.randrange(365))
        refused = birth + dt.timedelta(days=rng.choice((1, 30, 31, -1, 365)))
        if refused >= today:
            refused = birth - dt.timedelta(days=1)
        uai, school = rng.choice(self.schools)
        email = f"{fold_ascii(first)}.{fold_ascii(last)}{n}@{rng.choice(MAIL_DOMAINS)}"
        return {
            "first_name": first,
            "last_name": last,
            "email": email,
            "phone": f"0{rng.choice('67')}{rng.randrange(10**8):08d}",
            "child_first_name": child,
            "child_last_name": child_last,
            "birth": birth,
            "refused": refused,
            "degre": degre,
            "classe": rng.choice(CLASSES_1ER if degre == "1er" else CLASSES_2ND),
            "uai": uai,
            "school": school,
        }

    def message(self, category: str, who: dict) -> str:
        rng = self.rng
        text = rng.choice(MESSAGES[category]).format(
            child=who["child_first_name"],
            birth=who["birth"].strftime("%d/%m/%Y"),
            school=who["school"].split(",")[0],
        )
        extra = rng.sample(EXTRA, rng.randrange(0, 4))
        town = rng.choice(TOWNS)
        return " ".join([text, *(e.format(town=town) for e in extra)])
