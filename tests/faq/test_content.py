import re

import pytest

from helpdesk.faq.content import FaqFormatError, load_faq, parse_faq
from helpdesk.faq.service import FaqService
from tests.page import find

SEED_QUESTIONS = [  # seed 001's questions 1 to 13 and their slugs
    "qu-est-ce-qu-educonnect",
    "creer-mon-compte",
    "auto-inscription-sms",
    "identifiants-education-nationale",
    "franceconnect",
    "eleve-activer-compte",
    "acceder-au-portail",
    "identifiant-perdu",
    "mot-de-passe-perdu",
    "date-naissance-incorrecte",
    "adresse-mail-non-validee",
    "modification-adresse-en-cours",
    "courriel-validation-introuvable",
    "modifier-mot-de-passe",
    "modifier-adresse-mail",
    "regrouper-mes-comptes",
    "rattacher-autres-enfants",
]


@pytest.fixture(scope="module")
def faq():
    return load_faq()


@pytest.fixture(scope="module")
def index(faq):
    return FaqService.load(faq).index


def test_the_faq_has_every_question_of_the_seed_with_an_answer(faq):
    slugs = {q.slug for q in faq.questions}
    assert set(SEED_QUESTIONS) <= slugs
    for question in faq.questions:
        assert len(question.answer_text) > 40, question.slug


def test_themes_of_the_real_pages_are_there(faq):
    titles = [theme.title for theme in faq.themes]
    assert "Je m'authentifie avec ÉduConnect" in titles
    assert "Je rencontre une difficulté pour m'authentifier" in titles
    assert "Je gère mon compte" in titles


def test_french_typography_no_plain_space_before_double_punctuation(faq):
    for question in faq.questions:
        for text in (question.title, question.answer_markdown):
            assert not re.search(r" [;:!?»]|« ", text.replace("https://", "")), question.slug


def test_form_links_carry_known_categories(faq):
    by_slug = {q.slug: q for q in faq.questions}
    assert by_slug["date-naissance-incorrecte"].form_category == "date_naissance"
    assert by_slug["mot-de-passe-perdu"].form_category == "mot_de_passe"


def test_parser_rejects_a_heading_without_anchor_and_duplicates():
    with pytest.raises(FaqFormatError):
        parse_faq("# Thème {#t}\n\n## Question sans ancre\n\nRéponse")
    with pytest.raises(FaqFormatError):
        parse_faq("# Thème {#t}\n\n## Q {#q}\n\nR\n\n## Q2 {#q}\n\nR")
    with pytest.raises(FaqFormatError):
        parse_faq("# Thème {#t}\n\n## Q {#q}\nformulaire: inconnue\n\nR")


def test_parser_reads_the_form_line_out_of_the_answer():
    faq = parse_faq("# Thème {#t}\n\n## Q ? {#q}\nformulaire: rattachement\n\nUne **réponse**.")
    question = faq.question("q")
    assert question.form_category == "rattachement"
    assert question.answer_markdown == "Une **réponse**."
    assert [strong.text for strong in find(question.answer_html, "strong")] == ["réponse"]
    assert question.answer_text == "Une réponse."


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("date de naissance refusée", "date-naissance-incorrecte"),
        ("DATE NAISSANCE REFUS", "date-naissance-incorrecte"),
        ("date naissance refusee", "date-naissance-incorrecte"),
        ("mdp perdu", "mot-de-passe-perdu"),
        ("j'ai perdu mon mot de passe", "mot-de-passe-perdu"),
        ("identifiant oublié", "identifiant-perdu"),
        ("identifiants oublies", "identifiant-perdu"),
        ("regrouper mes enfants", "regrouper-mes-comptes"),
        ("compte compromis", "compte-compromis"),
    ],
)
def test_search_ignores_case_accents_and_word_forms(index, query, expected):
    hits = index.search(query, limit=3)
    assert expected in [hit.question.slug for hit in hits]


def test_mdp_and_mot_de_passe_find_the_same_answers(index):
    with_abbreviation = [hit.question.slug for hit in index.search("mdp")]
    with_words = [hit.question.slug for hit in index.search("mot de passe")]
    assert with_abbreviation[:3] == with_words[:3]
    assert "mot-de-passe-perdu" in with_abbreviation[:3]


def test_search_of_nothing_meaningful_finds_nothing(index):
    assert index.search("") == []
    assert index.search("le la les de") == []
    assert index.search("🙂🙂") == []
