"""« Trouver mon académie » in a parent's own words: postcode, commune, département, « 20 »,
Saint-Barthélemy and Saint-Martin, the vice-rectorats, ambiguous names, through the page (no
JavaScript: a plain GET form) and the API."""

import pytest

from helpdesk.contacts.academies import load_academies
from helpdesk.contacts.lieux import cle, load_lieux
from helpdesk.contacts.service import find_academie
from tests.helpers import text_of
from tests.page import element, element_text, links, visible_text

NBSP = "\u00a0"
API = "/api/v1/academies/trouver"

# What a parent types → the académie (slug) and the place shown.
FOUND = [
    ("45000", "orleans-tours", f"Code postal 45000{NBSP}: Orléans, Loiret (45)"),
    ("37000", "orleans-tours", "Tours, Indre-et-Loire (37)"),
    ("Loiret", "orleans-tours", "Loiret (45)"),
    ("loiret", "orleans-tours", "Loiret (45)"),
    ("Tours", "orleans-tours", "Tours, Indre-et-Loire (37)"),
    ("TOURS ", "orleans-tours", "Tours, Indre-et-Loire (37)"),
    ("saint etienne", "lyon", "Saint-Étienne, Loire (42)"),
    ("St-Étienne", "lyon", "Saint-Étienne, Loire (42)"),
    ("Saint-Étienne", "lyon", "Saint-Étienne, Loire (42)"),
    ("ardeche", "grenoble", "Ardèche (07)"),
    ("le mans", "nantes", "Le Mans, Sarthe (72)"),
    ("sables d'olonne", "nantes", "Les Sables-d'Olonne, Vendée (85)"),
    ("Saint-Denis 93", "creteil", "Saint-Denis, Seine-Saint-Denis (93)"),
    ("Saint-Denis (974)", "la-reunion", "Saint-Denis, La Réunion (974)"),
    ("Paris", "paris", "Paris (75)"),
    ("75015", "paris", "Paris (75)"),
    ("20200", "corse", "Haute-Corse (2B)"),
    ("2a", "corse", "Corse-du-Sud (2A)"),
    ("Corse", "corse", "Académie de Corse"),
    ("Loire", "lyon", "Loire (42)"),  # the département, not Loiré (49)
    ("clermont fer", "clermont-ferrand", "Clermont-Ferrand, Puy-de-Dôme (63)"),
    ("45", "orleans-tours", "Loiret (45)"),
    ("974", "la-reunion", "La Réunion (974)"),
    ("0450782F", "orleans-tours", "Établissement 0450782F, Loiret (45)"),
]


@pytest.fixture(scope="module")
def academies():
    return load_academies()


def test_names_compare_without_case_accents_or_hyphens():
    assert cle("Saint-Étienne") == cle("saint etienne") == cle("ST ETIENNE") == "saint etienne"
    assert cle("L'Haÿ-les-Roses") == "l hay les roses"
    assert cle("Œuf-en-Ternois") == "oeuf en ternois"


def test_the_places_come_from_the_official_lists():
    lieux = load_lieux()
    assert len(lieux.departements) == 109  # 101 départements and the overseas collectivities
    assert lieux.departement("2B").nom == "Haute-Corse"
    assert [c.nom for c in lieux.par_code_postal("45000")] == ["Orléans"]
    assert {c.departement.code for c in lieux.par_code_postal("01200")} == {"01", "74"}


@pytest.mark.parametrize(("typed", "slug", "lieu"), FOUND)
def test_found(academies, typed, slug, lieu):
    found = find_academie(academies, typed)
    assert (found.error, found.choices) == ("", ())
    assert found.academie.slug == slug
    assert found.lieu.endswith(lieu)


def test_20_is_both_corsican_departements(academies):
    found = find_academie(academies, "20")
    assert found.academie.slug == "corse"
    assert [(d.code, d.nom) for d in found.departements] == [
        ("2A", "Corse-du-Sud"),
        ("2B", "Haute-Corse"),
    ]
    assert found.lieu == "Corse-du-Sud (2A) et Haute-Corse (2B)"
    assert found.note == (
        f"«{NBSP}20{NBSP}» n'est plus un numéro de département{NBSP}: la Corse en compte deux, "
        "tous deux dans l'académie de Corse."
    )


@pytest.mark.parametrize(
    ("typed", "nom"),
    [("977", "Saint-Barthélemy"), ("978", "Saint-Martin"), ("97133", "Saint-Barthélemy")],
)
def test_saint_barthelemy_and_saint_martin_turn_to_guadeloupe(academies, typed, nom):
    found = find_academie(academies, typed)
    assert found.academie.slug == "guadeloupe"
    assert found.note.startswith(f"{nom} n'est pas un département")
    assert "relèvent de l'académie de la Guadeloupe" in found.note


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("988", "La Nouvelle-Calédonie ne relève d'aucune académie"),
        ("98800", "La Nouvelle-Calédonie ne relève d'aucune académie"),
        ("Nouvelle-Calédonie", "La Nouvelle-Calédonie ne relève d'aucune académie"),
        ("9830557N", "La Nouvelle-Calédonie ne relève d'aucune académie"),
        ("987", "La Polynésie française ne relève d'aucune académie"),
        ("986", "Wallis-et-Futuna ne relève d'aucune académie"),
        ("975", "Saint-Pierre-et-Miquelon ne relève d'aucune académie"),
    ],
)
def test_vice_rectorats(academies, typed, message):
    found = find_academie(academies, typed)
    assert found.academie is None
    assert found.outside.message.startswith(f"{message}{NBSP}: adressez-vous au ")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (
            "Saint-Denis",
            {
                ("Saint-Denis, Seine-Saint-Denis (93)", "académie de Créteil", "Saint-Denis 93"),
                ("Saint-Denis, La Réunion (974)", "académie de La Réunion", "Saint-Denis 974"),
                ("Saint-Denis, Aude (11)", "académie de Montpellier", "Saint-Denis 11"),
            },
        ),
        (
            "vienne",
            {
                ("Vienne (86)", "académie de Poitiers", "86"),
                ("Vienne, Isère (38)", "académie de Grenoble", "Vienne 38"),
            },
        ),
        (
            "aix",  # a village of Corrèze, but maybe Aix-en-Provence or Aix-les-Bains
            {
                ("Aix, Corrèze (19)", "académie de Limoges", "Aix 19"),
                (
                    "Aix-en-Provence, Bouches-du-Rhône (13)",
                    "académie d'Aix-Marseille",
                    "Aix-en-Provence 13",
                ),
                ("Aix-les-Bains, Savoie (73)", "académie de Grenoble", "Aix-les-Bains 73"),
            },
        ),
        (
            "Saint-Étienne-du",  # the start of a name
            {
                (
                    "Saint-Étienne-du-Rouvray, Seine-Maritime (76)",
                    "académie de Normandie",
                    "Saint-Étienne-du-Rouvray 76",
                )
            },
        ),
        (
            "01200",  # one postcode, communes of the Ain and of the Haute-Savoie
            {("Éloise, Haute-Savoie (74)", "académie de Grenoble", "74")},
        ),
    ],
)
def test_an_ambiguous_name_lists_the_choices(academies, typed, expected):
    found = find_academie(academies, typed)
    assert found.academie is None and found.outside is None and not found.error
    choices = {(c.lieu, c.destination, c.recherche) for c in found.choices}
    assert expected <= choices
    for choice in found.choices:  # each choice, searched again, gives one answer
        again = find_academie(load_academies(), choice.recherche)
        assert again.academie == choice.academie and not again.choices


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Atlantide", f"aucune commune ni aucun département nommé «{NBSP}Atlantide{NBSP}»"),
        ("99999", "Le code postal 99999 ne correspond à aucune commune"),
        ("99", "Le département 99 n'existe pas"),
        ("0750655F", "lettre de contrôle"),
        ("x" * 101, "au plus 100 caractères"),
        ("", "Saisissez le nom de votre commune"),
    ],
)
def test_unknown_input_says_what_to_type(academies, typed, message):
    found = find_academie(academies, typed)
    assert found.academie is None and found.outside is None and not found.choices
    assert message in found.error


# Through the page (a plain GET form: no JavaScript needed) and the API, on each database.


async def test_page_answers_in_a_parents_words(client):
    for typed, slug, lieu in FOUND[:8]:
        response = await client.get("/aide/contact", params={"recherche": typed})
        assert response.status_code == 200
        html = text_of(response)
        result = html[html.index('id="resultat-recherche"') :]
        assert lieu in result
        assert element(html, id="academie").tag == "section"
        assert f"/assistance?academie={slug}" in [href for _text, href in links(html)]
        assert f'value="{typed}"' in html  # what was typed stays in the field


async def test_page_20_977_and_the_vice_rectorats(client):
    corse = text_of(await client.get("/aide/contact", params={"recherche": "20"}))
    assert "Corse-du-Sud (2A) et Haute-Corse (2B)" in corse
    assert 'href="/assistance?academie=corse"' in corse
    for code, nom in (("977", "Saint-Barthélemy"), ("978", "Saint-Martin")):
        html = text_of(await client.get("/aide/contact", params={"recherche": code}))
        assert f"{nom} n'est pas un département" in html
        assert "relèvent de l'académie de la Guadeloupe" in html
        assert 'href="/assistance?academie=guadeloupe"' in html
    noumea = text_of(await client.get("/aide/contact", params={"recherche": "98800"}))
    assert f"La Nouvelle-Calédonie ne relève d'aucune académie{NBSP}:" in noumea
    assert "vice-rectorat de la Nouvelle-Calédonie" in noumea
    assert 'id="academie"' not in noumea


async def test_page_lists_the_choices_as_links(client):
    html = text_of(await client.get("/aide/contact", params={"recherche": "Saint-Denis"}))
    assert f"Plusieurs lieux correspondent à votre saisie{NBSP}: choisissez le vôtre." in html
    choice = "Saint-Denis, Seine-Saint-Denis (93)"
    assert (choice, "/aide/contact?recherche=Saint-Denis%2093") in links(html)
    assert f"{choice}{NBSP}: académie de Créteil" in visible_text(html)
    assert 'id="academie"' not in html
    chosen = text_of(await client.get("/aide/contact?recherche=Saint-Denis%2093"))
    assert 'href="/assistance?academie=creteil"' in chosen


async def test_page_explains_unknown_input(client):
    response = await client.get("/aide/contact", params={"recherche": "Atlantide"})
    assert response.status_code == 200
    html = text_of(response)
    assert element_text(html, id="recherche-erreur").startswith("Nous ne trouvons")
    assert element(html, "input", name="recherche").attrs["aria-describedby"] == "recherche-erreur"


async def test_api_answers_every_case(client):
    async def get(code):
        return await client.get(API, params={"code": code})

    tours = (await get("tours")).json()
    assert tours["academie"]["slug"] == "orleans-tours"
    assert tours["lieu"] == "Tours, Indre-et-Loire (37)"
    assert tours["departements"] == [{"code": "37", "nom": "Indre-et-Loire"}]
    assert tours["hors_perimetre"] is False
    assert (await get("45000")).json()["academie"]["slug"] == "orleans-tours"
    assert (await get("saint etienne")).json()["academie"]["slug"] == "lyon"
    corse = (await get("20")).json()
    assert corse["academie"]["slug"] == "corse"
    assert [d["code"] for d in corse["departements"]] == ["2A", "2B"]
    st_martin = (await get("978")).json()
    assert st_martin["academie"]["slug"] == "guadeloupe"
    assert st_martin["message"].startswith("Saint-Martin n'est pas un département")
    nc = (await get("988")).json()
    assert nc["hors_perimetre"] is True and nc["academie"] is None
    assert nc["message"] == (
        f"La Nouvelle-Calédonie ne relève d'aucune académie{NBSP}: adressez-vous au "
        "vice-rectorat de la Nouvelle-Calédonie."
    )
    assert nc["site"] == "https://www.ac-noumea.nc"
    ambiguous = await get("Saint-Denis")
    assert ambiguous.status_code == 200
    data = ambiguous.json()
    assert data["academie"] is None and data["message"].startswith("Plusieurs lieux")
    assert {
        "lieu": "Saint-Denis, Seine-Saint-Denis (93)",
        "recherche": "Saint-Denis 93",
        "hors_perimetre": False,
        "academie": {"slug": "creteil", "name": "Académie de Créteil"},
        "destination": "académie de Créteil",
    } in data["choix"]
    unknown = await get("Atlantide")
    assert unknown.status_code == 422
    assert "Atlantide" in unknown.json()["errors"]["code"]
    assert (await get("99999")).status_code == 422
