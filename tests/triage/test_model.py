"""The classifier itself: normalisation, examples of our own, the shipped model and its data."""

import pytest

from helpdesk.faq.service import FaqService
from helpdesk.triage import train as training
from helpdesk.triage.features import features
from helpdesk.triage.service import (
    CATEGORIES,
    CATEGORY_FAQ,
    TEST_PATH,
    TRAIN_PATH,
    Triage,
    classify,
    read_jsonl,
)


@pytest.fixture(scope="module")
def triage():
    return Triage.load(FaqService.load())


def stems_of(text: str) -> set[str]:
    return {f for f in features(text) if not f.startswith("p:") and " " not in f}


def test_case_accents_and_elisions_do_not_matter():
    assert features("DATE DE NAISSANCE REFUSÉE") == features("date de naissance refusée")
    assert stems_of("l'adresse électronique refusée") == stems_of("adresse electronique refusee")


def test_sms_spellings_meet_the_written_words():
    sms = stems_of("jarrive pa a me co, mdp oublié, g pa recu le msg")
    written = stems_of("je n'arrive pas à me connecter, mot de passe oublié, pas reçu le message")
    assert {"arriv", "pas", "connect", "mot", "pass", "recu", "messag"} <= sms & written
    assert stems_of("identifian perdu") == stems_of("identifiant perdu")
    assert "naissanc" in stems_of("ddn") and "naissanc" in stems_of("naissence")


def test_values_become_placeholders():
    found = features("né le 04/03/2016, mon mail a.b@example.fr, tel 06 12 34 56 78, id p.martin12")
    assert {"#date", "#email", "#tel", "#identifiant"} <= found
    assert not any("example" in f or "martin" in f for f in found)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # our own messages, not taken from any evaluation file
        ("La date de naissance de mon petit garçon ne passe pas à l'activation.", "date_naissance"),
        ("ma fille est née le 2 mars 2014 mais le site dit date incorrecte", "date_naissance"),
        ("Seul mon aîné apparaît sur mon compte, pas sa petite sœur.", "rattachement"),
        ("je veux regrouper mes deux comptes educonnect", "rattachement"),
        (
            "Je n'ai toujours pas le courriel pour valider mon adresse, même dans les spams.",
            "mail_confirmation",
        ),
        ("jme souviens plu de mon identifiant", "identifiant_perdu"),
        ("Mot de passe provisoire du collège refusé, que faire ?", "mot_de_passe"),
        ("J'ai oublié mon mot de passe pour aller sur l'ENT.", "mot_de_passe"),
        ("je peux pas créer mon compte, mon numéro de portable est inconnu", "auto_inscription"),
        ("Le code reçu par texto pour m'inscrire ne fonctionne pas.", "auto_inscription"),
        ("Quelqu'un s'est connecté à mon compte et a changé mon adresse mail.", "compte_compromis"),
        ("Où faire la demande de bourse de lycée ?", "demarche_en_ligne"),
        ("Les devoirs n'apparaissent pas sur Pronote.", "demarche_en_ligne"),
        (
            "Le module Dépannage des comptes élèves refuse l'accès à notre CPE (délégation DELEG-CE).",
            "etablissement_console",
        ),
        ("Merci pour votre aide, tout est réglé.", "autre"),
        ("À quelle date est la réunion de rentrée ?", "autre"),
    ],
)
def test_examples(triage, text, expected):
    category, confidence, _ = triage.classify(text)
    assert category == expected, (text, category, confidence)


def test_the_dominant_problem_wins(triage):
    text = (
        "J'ai bien reçu le code par SMS et mon identifiant, mais à la fin la date de naissance "
        "de mon fils est refusée : « La date de naissance saisie est incorrecte »."
    )
    assert triage.classify(text)[0] == "date_naissance"


def test_a_school_relaying_a_family_gets_the_family_category(triage):
    text = "Bonjour, un papa de notre école ne reçoit pas le courriel de confirmation d'ÉduConnect."
    assert triage.classify(text)[0] == "mail_confirmation"


def test_faq_suggestions_are_about_the_category_first(triage):
    category, _, faq = triage.classify("je ne recois pas le sms pour creer mon compte")
    assert category == "auto_inscription"
    assert faq[0] in CATEGORY_FAQ["auto_inscription"]
    assert len(faq) <= 3


def test_an_explanation_names_the_words_that_weighed(triage):
    result = triage.classify_full("Mon compte a été piraté")
    assert result.category == "compte_compromis"
    assert any("pirat" in feature for feature, _ in result.explanation)


def test_module_level_classify():
    category, confidence, faq = classify("identifiant oublié")
    assert category == "identifiant_perdu" and 0 < confidence <= 1 and "identifiant-perdu" in faq


def test_the_shipped_model_was_trained_on_the_shipped_data():
    assert training.is_current(), "relancer : python -m helpdesk.triage.train"


def test_training_and_test_files_are_valid_and_disjoint():
    train_rows, test_rows = read_jsonl(TRAIN_PATH), read_jsonl(TEST_PATH)
    assert len(train_rows) >= 300
    assert {r["category"] for r in train_rows} == set(CATEGORIES)
    assert {r["category"] for r in test_rows} == set(CATEGORIES)
    normalised = {" ".join(r["text"].lower().split()) for r in train_rows}
    assert not [r["id"] for r in test_rows if " ".join(r["text"].lower().split()) in normalised]
    slugs = {q.slug for q in FaqService.load().faq.questions}
    for row in test_rows:
        assert set(row.get("faq", [])) <= slugs, row["id"]
    for slugs_of_category in CATEGORY_FAQ.values():
        assert set(slugs_of_category) <= slugs


def test_held_out_accuracy_stays_above_90_percent(triage):
    rows = read_jsonl(TEST_PATH)
    right = sum(triage.classify(r["text"])[0] == r["category"] for r in rows)
    assert right / len(rows) >= 0.9
