"""The one table of categories agrees with the rest of the product, and reads well."""

from helpdesk.accounts.port import ACTIONS
from helpdesk.categories.catalogue import (
    ALL_CATEGORIES,
    CATEGORIES,
    EVERY_ACTION,
    LABELS,
    SHORT_NAMES,
    category_of,
)
from helpdesk.faq.content import load_faq
from helpdesk.tickets.tables import Ticket


def test_every_action_named_by_a_category_is_an_action_of_the_port():
    for category in ALL_CATEGORIES.values():
        if category.actions is not EVERY_ACTION:
            assert set(category.actions) <= set(ACTIONS), category.code


def test_every_answer_named_by_a_category_is_in_the_faq():
    slugs = {q.slug for q in load_faq().questions}
    for category in ALL_CATEGORIES.values():
        assert set(category.faq) <= slugs, category.code


def test_every_field_a_category_asks_for_is_kept_on_the_ticket():
    columns = {column._meta.name for column in Ticket._meta.columns}
    for category in CATEGORIES.values():
        assert set(category.required) | set(category.shown) <= columns, category.code


def test_the_form_offers_every_category_but_the_schools_own():
    assert "etablissement_console" in ALL_CATEGORIES
    assert "etablissement_console" not in CATEGORIES
    assert list(CATEGORIES)[-1] == "autre"


def test_a_code_this_release_does_not_know_reads_as_other():
    assert category_of("disparue").short == "Autre"
    assert category_of("mot_de_passe").short == "Mot de passe"


def test_the_words_of_the_screens_are_the_catalogues_and_never_a_code():
    for code, category in ALL_CATEGORIES.items():
        assert SHORT_NAMES[code] == category_of(code).short == category.short
        assert LABELS[code] == category.label
    assert SHORT_NAMES["disparue"] == "Autre" and LABELS["disparue"] == category_of("x").label
    assert "disparue" not in SHORT_NAMES and list(SHORT_NAMES) == list(ALL_CATEGORIES)
