import pytest

from helpdesk.contacts.academies import load_academies
from helpdesk.contacts.service import academie_of_uai, find_academie
from helpdesk.contacts.uai import UaiError, check_letter, normalise_uai, uai_place

REAL_UAIS = {  # real schools (reference/domain-facts.md) and their académie
    "0750655E": "paris",
    "0750654D": "paris",
    "6200001G": "corse",
    "7200009X": "corse",
    "9710003B": "guadeloupe",
    "9720002V": "martinique",
    "9740001H": "la-reunion",
    "9760127J": "mayotte",
}


@pytest.fixture(scope="module")
def academies():
    return load_academies()


def test_thirty_academies_cover_every_departement_once(academies):
    assert len(academies.all) == 30
    departements = [d for a in academies.all for d in a.departements]
    assert len(departements) == len(set(departements)) == 101
    assert len({a.prefix for a in academies.all}) == 30
    assert academies.get("orleans-tours").prefix == "OT"


def test_orleans_tours_modalities_come_from_the_deck(academies):
    ot = academies.get("orleans-tours")
    assert ot.premier_degre.formulaire == "https://www.ac-orleans-tours.fr/assistance_parents"
    assert ot.second_degre.formulaire == "https://www.ac-orleans-tours.fr/assistance_parents"
    assert ot.etablissements.telephone == "0801 901 0181"
    assert ot.etablissements.courriel == "assistance@ac-orleans-tours.fr"


def test_check_letter_of_the_reference_example():
    assert check_letter("0951099") == "D"
    assert normalise_uai(" 0750655e ") == "0750655E"


@pytest.mark.parametrize(("uai", "slug"), REAL_UAIS.items())
def test_real_uais_route_to_their_academie(academies, uai, slug):
    assert academie_of_uai(academies, uai).slug == slug


def test_wrong_check_letter_is_refused_with_a_clear_message():
    with pytest.raises(UaiError, match="lettre de contrôle"):
        normalise_uai("0750655F")
    with pytest.raises(UaiError, match="7 chiffres"):
        normalise_uai("075065E")


@pytest.mark.parametrize(
    ("typed", "slug"),
    [
        ("45", "orleans-tours"),
        ("1", "lyon"),
        ("01", "lyon"),
        ("2a", "corse"),
        ("2B", "corse"),
        ("974", "la-reunion"),
        ("971", "guadeloupe"),
        ("93", "creteil"),
        ("76", "normandie"),
        ("0450782F", "orleans-tours"),
    ],
)
def test_find_academie_from_departement_or_uai(academies, typed, slug):
    assert find_academie(academies, typed).academie.slug == slug


@pytest.mark.parametrize("uai", ["9750001C", "9830557N", "9840002E", "9870026P"])
def test_overseas_collectivities_are_out_of_scope(academies, uai):
    found = find_academie(academies, uai)
    assert found.academie is None
    assert found.outside is not None
    assert uai_place(uai).departement == uai[:3]


@pytest.mark.parametrize("typed", ["", "99", "abc", "0750655F", "123", "99999", "984", "+-"])
def test_find_academie_explains_what_is_wrong(academies, typed):
    found = find_academie(academies, typed)
    assert found.academie is None and found.outside is None
    assert found.error
