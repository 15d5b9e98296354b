"""The contact page in Chromium: « Trouver mon académie » in a parent's words without JavaScript,
the académies' names on keyboard focus, and the keyboard hint only where there is a keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_find_by_commune_postcode_and_choice_without_javascript(new_context) -> None:
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/aide/contact")
    field = page.get_by_label("Commune, code postal, numéro de département ou code UAI")
    field.fill("saint etienne")
    page.get_by_role("button", name="Trouver", exact=True).click()
    expect(page.locator("#resultat-recherche")).to_contain_text("Saint-Étienne, Loire (42)")
    expect(page.locator("#academie-titre")).to_have_text("Académie de Lyon")

    page.get_by_label("Commune, code postal").fill("Saint-Denis")
    page.get_by_role("button", name="Trouver", exact=True).click()
    page.locator("#choix-lieux").get_by_role("link", name="Saint-Denis, La Réunion (974)").click()
    expect(page.locator("#academie-titre")).to_have_text("Académie de La Réunion")


def test_academie_named_on_keyboard_focus(page) -> None:
    page.goto("/aide/contact")
    link = page.get_by_role("link", name="Académie de Clermont-Ferrand")
    name = link.locator(".carte-nom")
    expect(name).to_be_hidden()
    link.focus()
    expect(name).to_be_visible()
    expect(name).to_contain_text("Clermont-Ferrand")
    expect(page.locator("#carte-aide")).to_be_visible()  # a keyboard: the hint is there


def test_no_keyboard_hint_on_a_touch_screen(new_context) -> None:
    page = new_context(has_touch=True, is_mobile=True, viewport={"width": 390, "height": 844})
    page = page.new_page()
    page.goto("/aide/contact")
    assert page.evaluate("matchMedia('(pointer: coarse)').matches")
    expect(page.locator("#carte-aide")).to_be_hidden()
    expect(page.locator("svg.carte-france a.carte-academie")).to_have_count(25)
