"""The public pages in Chromium: FAQ search and anchors, votes, the keyboard map, « Trouver mon
académie », the pages without JavaScript, and an axe-core accessibility check."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import AXE_JS, LiveServer

pytestmark = pytest.mark.e2e

ORLEANS_FORM = "https://www.ac-orleans-tours.fr/assistance_parents"
MAP_LINKS = "svg.carte-france a.carte-academie"


def test_search_opens_the_best_answer(page: Page) -> None:
    page.goto("/aide")
    search = page.get_by_label("Rechercher dans l'aide")
    search.fill("date de naissance refusée")
    search.press("Enter")
    page.wait_for_url(re.compile(r"/aide\?q=date"))
    expect(page.locator("#resultats")).to_contain_text("pour « date de naissance refusée »")
    question = page.locator("section.fr-accordion#date-naissance-incorrecte")
    expect(question.locator(".fr-accordion__btn")).to_have_attribute("aria-expanded", "true")
    expect(question.locator(".faq-question__answer")).to_be_visible()


def test_anchor_opens_its_question(page: Page) -> None:
    page.goto("/aide#identifiant-perdu")
    question = page.locator("section.fr-accordion#identifiant-perdu")
    expect(question.locator(".fr-accordion__btn")).to_have_attribute("aria-expanded", "true")
    expect(question.locator(".faq-question__answer")).to_be_visible()
    other = page.locator("#date-naissance-incorrecte .faq-question__answer")
    expect(other).to_be_hidden()
    page.goto("/aide#date-naissance-incorrecte")  # another anchor on the same page
    expect(other).to_be_visible()


def test_vote_is_recorded_in_place(page: Page, live_server: LiveServer) -> None:
    slug = "identifiant-perdu"
    before = live_server.get_json("/api/v1/faq/votes")["votes"].get(slug, {"oui": 0, "non": 0})
    page.goto(f"/aide#{slug}")
    question = page.locator(f"section#{slug}")
    with page.expect_response(f"**/aide/avis/{slug}") as vote:
        question.get_by_role("button", name="Oui", exact=True).click()
    assert vote.value.status == 200
    expect(question.locator(".faq-vote__thanks")).to_have_text("Merci pour votre avis.")
    expect(question.get_by_role("button", name="Oui", exact=True)).to_be_disabled()  # fieldset
    assert page.url.endswith(f"/aide#{slug}")  # no navigation: the answer stays on screen
    after = live_server.get_json("/api/v1/faq/votes")["votes"][slug]
    assert after == {"oui": before["oui"] + 1, "non": before["non"]}


def test_map_with_the_keyboard_only(page: Page) -> None:
    page.goto("/aide/contact")
    links = page.locator(MAP_LINKS)
    assert links.count() > 20
    links.first.focus()
    for _ in range(links.count()):
        if page.evaluate("document.activeElement && document.activeElement.id") == (
            "carte-orleans-tours"
        ):
            break
        page.keyboard.press("Tab")
    expect(page.locator("#carte-orleans-tours")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/aide/contact\?academie=orleans-tours"))
    section = page.locator("section#academie")
    expect(section.get_by_role("heading", level=2)).to_have_text("Académie d'Orléans-Tours")
    expect(section.locator(f'a[href="{ORLEANS_FORM}"]').first).to_be_visible()
    expect(section.locator('a[href="/assistance?academie=orleans-tours"]')).to_have_text(
        "Écrire à l'assistance académique"
    )
    # The map's links end in #academie: the académie's contacts are in view and have the focus,
    # so that the next Tab goes on from them.
    expect(page.locator("section#academie")).to_be_focused()
    expect(page.locator("#academie-titre")).to_be_in_viewport()
    expect(page.get_by_label("Votre académie")).to_have_value("orleans-tours")  # the list agrees


def test_find_my_academie(page: Page) -> None:
    page.goto("/aide/contact")
    page.get_by_label("Numéro de département ou code UAI").fill("0750655F")
    page.get_by_role("button", name="Trouver", exact=True).click()
    error = page.locator("#recherche-erreur")
    expect(error).to_contain_text("Le code UAI")
    expect(error).to_contain_text("0750655F")
    expect(page.locator("#recherche")).to_have_attribute("aria-describedby", "recherche-erreur")
    expect(page.locator("section#academie")).to_have_count(0)

    page.get_by_label("Numéro de département ou code UAI").fill("0750655E")
    page.get_by_role("button", name="Trouver", exact=True).click()
    expect(page.locator("#recherche-erreur")).to_have_count(0)
    expect(page.locator("#academie-titre")).to_have_text("Académie de Paris")


def test_without_javascript(new_context) -> None:
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/aide")
    search = page.get_by_label("Rechercher dans l'aide")
    search.fill("mdp")
    search.press("Enter")
    page.wait_for_url(re.compile(r"/aide\?q=mdp"))
    expect(page.locator("#resultats")).to_contain_text("pour « mdp »")
    # Without JavaScript every answer of the results is shown; the best one is marked open.
    expect(page.locator(".faq-question .fr-collapse--expanded")).to_have_count(1)
    expect(page.locator(".faq-question__answer").last).to_be_visible()

    page.goto("/aide/contact")
    page.get_by_label("Votre académie").select_option("orleans-tours")
    page.get_by_role("button", name="Afficher les contacts").click()
    page.wait_for_url(re.compile(r"academie=orleans-tours"))
    expect(page.locator("#academie-titre")).to_have_text("Académie d'Orléans-Tours")
    expect(page.locator(f'section#academie a[href="{ORLEANS_FORM}"]').first).to_be_visible()


DUPLICATE_IDS = """() => {
  const seen = new Map();
  for (const element of document.querySelectorAll("[id]")) {
    seen.set(element.id, (seen.get(element.id) || 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
}"""

A11Y_PATHS = [
    "/",
    "/aide",
    "/aide?q=mot%20de%20passe",
    "/aide/contact",
    "/aide/contact?academie=orleans-tours",
    "/accessibilite",
    "/donnees-personnelles",
    "/mentions-legales",
    "/assistance",
    "/assistance?academie=orleans-tours&categorie=date_naissance",
    "/assistance?academie=lyon&categorie=mail_confirmation",
    "/suivi/perdu",
    "/connexion",
]


def serious_violations(page: Page, label: str) -> list[str]:
    """axe-core's serious and critical violations on the page as it is, and duplicate ids."""
    page.wait_for_load_state("load")
    # Evaluated by the test's driver, as a page's own inline script would not be (CSP).
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    problems = []
    # axe only flags a duplicate id as "to review" (incomplete): check it here.
    duplicates = page.evaluate(DUPLICATE_IDS)
    if duplicates:
        problems.append(f"{label}: id en double {duplicates}")
    for violation in violations:
        if violation["impact"] in ("serious", "critical"):
            targets = [", ".join(map(str, node["target"])) for node in violation["nodes"]]
            problems.append(
                f"{label}: {violation['id']} ({violation['impact']}) - {violation['help']}"
                f" [{violation['helpUrl']}]\n    " + "\n    ".join(targets[:10])
            )
    return problems


def test_accessibility_axe(page: Page) -> None:
    if not AXE_JS.exists():
        pytest.fail(f"axe-core absent ({AXE_JS}) : `make deps` l'installe depuis package.json")
    problems = []
    for path in A11Y_PATHS:
        page.goto(path)
        problems += serious_violations(page, path)
    assert not problems, "Violations axe sérieuses ou critiques :\n" + "\n".join(problems)


def test_screenshot_of_a_contact_page(page: Page, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/aide/contact?academie=orleans-tours")
    page.wait_for_load_state("load")
    shot = tmp_path / "contact-orleans-tours.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    print(f"capture : {shot}")
