"""The FAQ search in parents' own words, through the page /aide?q=… and the API /api/v1/faq."""

import json

import pytest

from helpdesk import PROJECT_DIR
from helpdesk.faq.analysis import STOP, split_words
from helpdesk.faq.content import FaqFormatError, load_faq, parse_faq
from helpdesk.faq.search import MAX_RESULTS, audience_of
from helpdesk.faq.service import FaqService
from tests.helpers import text_of
from tests.page import find

# The examples: everyday words, and the answer a parent expects first.
PARENTS_WORDS = [
    ("changer de mot de passe", "modifier-mot-de-passe"),
    ("changer adresse mail", "modifier-adresse-mail"),
    ("compte bloqué", "compte-compromis"),
    ("on m'a piraté mon compte", "compte-compromis"),
    ("piratage", "compte-compromis"),
    ("je n'ai pas de compte", "auto-inscription-sms"),
    ("ajouter un enfant", "rattacher-autres-enfants"),
    ("mot de passe oublié", "mot-de-passe-perdu"),
]


@pytest.fixture(scope="module")
def faq():
    return FaqService.load()


def slugs(faq, query):
    return [hit.question.slug for hit in faq.search(query)]


async def answers_of_page(client, query):
    response = await client.get("/aide", params={"q": query})
    assert response.status_code == 200
    return [answer.id for answer in find(text_of(response), "section", class_="faq-question")]


async def answers_of_api(client, query):
    response = await client.get("/api/v1/faq", params={"q": query})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(body["entries"])
    return [entry["slug"] for entry in body["entries"]]


@pytest.mark.parametrize(("query", "expected"), PARENTS_WORDS)
async def test_parents_words_find_their_answer_first(client, query, expected):
    page = await answers_of_page(client, query)
    assert page[0] == expected
    assert await answers_of_api(client, query) == page
    html = text_of(await client.get("/aide", params={"q": query}))
    assert f'aria-expanded="true" aria-controls="{expected}-reponse"' in html


async def test_weak_matches_are_not_listed(client):
    blocked = await answers_of_page(client, "compte bloqué")
    assert blocked == ["compte-compromis"]  # not every answer that says "compte"
    assert "regrouper-mes-comptes" not in await answers_of_api(client, "on m'a piraté mon compte")
    assert len(await answers_of_api(client, "mot de passe")) <= MAX_RESULTS
    for nonsense in ("xylophone", "bonjour merci", "la météo de demain"):
        assert await answers_of_api(client, nonsense) == []
    page = await client.get("/aide", params={"q": "xylophone"})
    assert "Aucune réponse pour" in text_of(page)


async def test_a_pupil_gets_the_pupils_answer_and_a_parent_the_parents(client):
    pupil = await answers_of_page(client, "je suis élève, j'ai oublié mon mot de passe")
    assert pupil[0] == "eleve-identifiant-mot-de-passe-perdu"
    pupil = await answers_of_api(client, "je suis en 4e et j'ai perdu mon identifiant")
    assert pupil[0] == "eleve-identifiant-mot-de-passe-perdu"
    parent = await answers_of_page(client, "j'ai oublié mon mot de passe")
    assert parent[0] == "mot-de-passe-perdu"


@pytest.mark.parametrize(
    ("text", "audience"),
    [
        ("je suis élève, j'ai oublié mon mot de passe", "eleve"),
        ("Je suis en seconde et mon identifiant ne marche plus", "eleve"),
        ("je suis collégienne", "eleve"),
        ("mon prof m'a dit de vous écrire", "eleve"),
        ("mon fils est élève en 4e", "parent"),
        ("le compte élève de ma fille", "parent"),
        ("mot de passe oublié", "parent"),
    ],
)
def test_audience_is_a_parent_unless_the_writer_says_otherwise(text, audience):
    assert audience_of(text) == audience


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("identifinat oublié", "identifiant-perdu"),  # a typing error
        ("date de naisance refusee", "date-naissance-incorrecte"),  # and no accents
        ("DATE DE NAISSANCE REFUSÉE", "date-naissance-incorrecte"),
        ("mettre à jour mon adresse électronique", "modifier-adresse-mail"),  # a phrase
        ("mdp oublie", "mot-de-passe-perdu"),  # SMS spelling
        ("compte hacké", "compte-compromis"),  # an everyday word of the vocabulary
        ("fusion de comptes", "regrouper-mes-comptes"),
    ],
)
def test_spelling_accents_and_synonyms(faq, query, expected):
    assert slugs(faq, query)[0] == expected


def test_the_triage_category_lifts_the_answers_of_that_category(faq):
    query = "le mail n'arrive pas"
    plain = {hit.question.slug: hit.score for hit in faq.search(query, category=("autre", 1.0))}
    lifted = {
        hit.question.slug: hit.score
        for hit in faq.search(query, category=("mail_confirmation", 1.0))
    }
    assert lifted["courriel-confirmation-non-recu"] > plain["courriel-confirmation-non-recu"]


def test_every_question_says_how_parents_put_it():
    for question in load_faq().questions:
        assert question.paraphrases, question.slug


def test_the_pupils_theme_is_marked_for_pupils():
    faq = load_faq()
    pupils = {q.slug for q in faq.questions if q.audience == "eleve"}
    assert pupils == {
        q.slug for t in faq.themes if t.slug == "je-suis-un-eleve" for q in t.questions
    }
    assert faq.synonyms and all(len(group) >= 2 for group in faq.synonyms)


def test_parser_reads_vocabulary_paraphrases_and_audience():
    faq = parse_faq(
        "synonymes: modifier | changer\n\n"
        "# Thème {#t}\npublic: eleve\n\nIntro.\n\n"
        "## Q ? {#q}\nformulaire: mot_de_passe\nrecherche: a b | c d\nrecherche: e\n\nRéponse."
    )
    question = faq.question("q")
    assert faq.synonyms == [["modifier", "changer"]]
    assert question.paraphrases == ["a b", "c d", "e"]
    assert question.audience == "eleve" and question.form_category == "mot_de_passe"
    assert question.answer_markdown == "Réponse."
    assert faq.themes[0].intro_markdown == "Intro."
    with pytest.raises(FaqFormatError):
        parse_faq("# Thème {#t}\npublic: martiens\n\n## Q {#q}\n\nR")
    with pytest.raises(FaqFormatError):
        parse_faq("synonymes: seul\n\n# Thème {#t}\n\n## Q {#q}\n\nR")


def test_the_unseen_queries_stay_out_of_the_content():
    """bench/data/faq_queries_unseen.jsonl measures the search on words it was not tuned on: no
    "recherche:" line may be a near-copy of one of its queries (word-set Jaccard ≥ 0.5)."""
    path = PROJECT_DIR / "bench" / "data" / "faq_queries_unseen.jsonl"
    unseen = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    def words(text):
        return {w for w in split_words(text) if w not in STOP}

    for question in load_faq().questions:
        for paraphrase in question.paraphrases:
            mine = words(paraphrase)
            for row in unseen:
                theirs = words(row["query"])
                assert len(mine & theirs) / len(mine | theirs) < 0.5 or row["slug"] != (
                    question.slug
                ), (paraphrase, row["query"])
