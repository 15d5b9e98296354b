"""The public pages on a 390 × 844 phone and a 1280 wide screen, with and without JavaScript:
no sideways scroll, the DSFR header's « Menu » button, the FAQ's accordions, axe-core."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import AXE_JS, LiveServer
from tests.e2e.test_public_pages import DUPLICATE_IDS

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SCREENS = {"telephone": PHONE, "bureau": DESKTOP}

PUBLIC_PATHS = [
    "/",
    "/aide",
    "/aide?q=mot%20de%20passe",
    "/aide#identifiant-perdu",
    "/aide/contact",
    "/aide/contact?academie=orleans-tours",
    "/aide/contact?recherche=20",
    "/accessibilite",
    "/donnees-personnelles",
    "/mentions-legales",
    "/assistance",
    "/assistance?academie=orleans-tours&categorie=date_naissance",
    "/assistance?academie=lyon&categorie=mail_confirmation",
    "/suivi/perdu",
    "/suivi/lien-qui-n-existe-pas",
    "/demo/courriels",
    "/connexion",
]

# The widest elements when the page is wider than the window: what to fix.
SIDEWAYS = """() => {
  const root = document.documentElement;
  if (root.scrollWidth <= root.clientWidth) { return null; }
  return [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > root.clientWidth + 0.5)
    .slice(-5)
    .map(e => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(e.getBoundingClientRect().right)} px)`)
    .concat([`scrollWidth ${root.scrollWidth} > ${root.clientWidth}`]);
}"""

# With JavaScript, every answer of the FAQ opened (an open answer was 402 px wide on a phone).
# Said again until the DSFR's script has opened one: on a loaded machine it may start after the
# page's "load" and would not see a change made before it watched the buttons.
OPEN_ALL_ANSWERS = """() => {
  document.querySelectorAll(".fr-accordion__btn").forEach(b => b.setAttribute("aria-expanded", "true"));
  return document.querySelector(".fr-collapse--expanded") !== null;
}"""


@pytest.fixture(scope="module")
def follow_path(live_server: LiveServer) -> str:
    """The follow-up page of a request sent through the API, with an exchange on it."""
    body = {
        "academie": "orleans-tours",
        "category": "mot_de_passe",
        "degre": "1er",
        "requester": {
            "kind": "parent",
            "first_name": "Inès",
            "last_name": "Morel",
            "email": "ines.morel@example.fr",
        },
        "child": {"first_name": "Léo", "last_name": "Morel"},
        "message": "Mon mot de passe est refusé depuis une semaine, sur le téléphone et l'ordinateur.",
    }
    request = urllib.request.Request(
        live_server.at("/api/v1/tickets"),
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        url = json.load(response)["follow_url"]
    return url.removeprefix(live_server.url)


def open_page(new_context, screen: str, javascript: bool) -> Page:
    context = new_context(viewport=SCREENS[screen], java_script_enabled=javascript)
    return context.new_page()


@pytest.mark.parametrize("javascript", [True, False], ids=["avec-js", "sans-js"])
@pytest.mark.parametrize("screen", SCREENS)
def test_no_sideways_scroll(new_context, follow_path: str, screen: str, javascript: bool) -> None:
    page = open_page(new_context, screen, javascript)
    problems = []
    for path in [*PUBLIC_PATHS, follow_path, follow_path + "?nouvelle=1", follow_path + "/resolu"]:
        page.goto(path)
        page.wait_for_load_state("load")
        if javascript and path.startswith("/aide") and "contact" not in path:
            page.wait_for_function(OPEN_ALL_ANSWERS, polling=100)
            expect(page.locator(".fr-collapse--expanded").first).to_be_visible()
        wide = page.evaluate(SIDEWAYS)
        if wide:
            problems.append(f"{path} : {wide}")
    assert not problems, "Défilement horizontal :\n" + "\n".join(problems)


def test_follow_up_page_numbers_nothing_in_the_margin(new_context, follow_path: str) -> None:
    """The exchanges are a list without numbers: the DSFR's own ones hung left of the page."""
    page = open_page(new_context, "telephone", True)
    page.goto(follow_path + "?nouvelle=1")
    markers = page.evaluate(
        """() => [...document.querySelectorAll(".suivi-echange")]
             .map(li => getComputedStyle(li, "::before").content)"""
    )
    assert markers and set(markers) <= {"none", "normal"}
    steps = page.locator("h2:has-text('Et maintenant') + ol > li").first
    assert steps.bounding_box()["x"] >= 0


def nav_link(page: Page):
    return page.locator("#menu-principal").get_by_role("link", name="Contacter mon académie")


def test_menu_button_on_a_phone(new_context) -> None:
    page = open_page(new_context, "telephone", True)
    page.goto("/aide")
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    expect(nav_link(page)).to_be_hidden()  # the content starts right under the header
    menu.click()
    expect(page.locator("#menu-principal")).to_have_class(re.compile(r"fr-modal--opened"))
    expect(nav_link(page)).to_be_visible()
    # The tool links are in the menu too (DSFR's duplicate): the demo mails in demo mode.
    expect(
        page.locator("#menu-principal").get_by_role("link", name="Courriels (démo)")
    ).to_be_visible()
    page.get_by_role("button", name="Fermer").click()
    expect(nav_link(page)).to_be_hidden()
    expect(menu).to_be_focused()  # back where the parent was
    menu.click()
    nav_link(page).click()
    page.wait_for_url("**/aide/contact")


def test_navigation_on_a_wide_screen(new_context) -> None:
    page = open_page(new_context, "bureau", True)
    page.goto("/aide")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(nav_link(page)).to_be_visible()
    nav = page.get_by_role("navigation", name="Menu principal")
    expect(nav.get_by_role("link", name="Courriels (démo)")).to_have_count(0)
    expect(
        page.locator(".fr-header__tools").get_by_role("link", name="Courriels (démo)")
    ).to_be_visible()


@pytest.mark.parametrize("screen", SCREENS)
def test_navigation_without_javascript(new_context, screen: str) -> None:
    """No button that does nothing: without JavaScript the navigation is shown."""
    page = open_page(new_context, screen, False)
    page.goto("/aide")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(nav_link(page)).to_be_visible()
    nav_link(page).click()
    page.wait_for_url("**/aide/contact")


def test_faq_accordion_with_javascript(new_context) -> None:
    page = open_page(new_context, "telephone", True)
    page.goto("/aide#identifiant-perdu")
    question = page.locator("section.fr-accordion#identifiant-perdu")
    button = question.get_by_role("button", name="J'ai oublié ou perdu mon identifiant")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(question.locator(".faq-question__answer")).to_be_visible()
    other = page.locator("#date-naissance-incorrecte")
    expect(other.locator(".faq-question__answer")).to_be_hidden()
    other.locator(".fr-accordion__btn").click()
    expect(other.locator(".faq-question__answer")).to_be_visible()
    other.locator(".fr-accordion__btn").click()
    expect(other.locator(".faq-question__answer")).to_be_hidden()


def test_faq_without_javascript(new_context) -> None:
    page = open_page(new_context, "telephone", False)
    page.goto("/aide#date-naissance-incorrecte")
    answer = page.locator("#date-naissance-incorrecte .faq-question__answer")
    expect(answer).to_be_visible()
    expect(page.locator("#identifiant-perdu .faq-question__answer")).to_be_visible()
    answer.get_by_role("button", name="Non").click()
    page.wait_for_url("**/aide/avis/date-naissance-incorrecte")
    expect(page.get_by_role("link", name="Remplir le formulaire d'assistance")).to_be_visible()
    expect(page.get_by_role("link", name="Contacter mon académie").last).to_be_visible()


def test_faq_no_with_javascript_offers_the_form_and_contacts(new_context) -> None:
    page = open_page(new_context, "telephone", True)
    page.goto("/aide#date-naissance-incorrecte")
    question = page.locator("#date-naissance-incorrecte")
    question.get_by_role("button", name="Non").click()
    thanks = question.locator(".faq-vote__thanks")
    expect(thanks).to_contain_text("Merci pour votre avis.")
    expect(thanks.get_by_role("link", name="Remplir le formulaire d'assistance")).to_have_attribute(
        "href", "/assistance?categorie=date_naissance"
    )
    expect(thanks.get_by_role("link", name="Contacter mon académie")).to_have_attribute(
        "href", "/aide/contact"
    )
    assert page.url.endswith("/aide#date-naissance-incorrecte")


# A page without JavaScript runs no timer, and axe waits on setTimeout: in that page only, a
# timer becomes a microtask (which the evaluation itself runs).
TIMERS_AS_MICROTASKS = """() => {
  window.setTimeout = (fn, ms, ...args) => { Promise.resolve().then(() => fn(...args)); return 0; };
  window.clearTimeout = () => {};
}"""


def serious_violations(page: Page, label: str, javascript: bool) -> list[str]:
    """axe-core's serious and critical violations, and duplicate ids. axe is evaluated rather
    than added as a <script>, which a page without JavaScript would not run."""
    page.wait_for_load_state("load")
    if not javascript:
        page.evaluate(TIMERS_AS_MICROTASKS)
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    duplicates = page.evaluate(DUPLICATE_IDS)
    problems = [f"{label}: id en double {duplicates}"] if duplicates else []
    for violation in violations:
        if violation["impact"] in ("serious", "critical"):
            targets = [", ".join(map(str, node["target"])) for node in violation["nodes"]]
            problems.append(
                f"{label}: {violation['id']} ({violation['impact']}) - {violation['help']}\n    "
                + "\n    ".join(targets[:10])
            )
    return problems


@pytest.mark.parametrize("javascript", [True, False], ids=["avec-js", "sans-js"])
@pytest.mark.parametrize("screen", SCREENS)
def test_accessibility_axe(new_context, follow_path: str, screen: str, javascript: bool) -> None:
    if not AXE_JS.exists():
        pytest.fail(f"axe-core absent ({AXE_JS}) : `make deps` l'installe depuis package.json")
    page = open_page(new_context, screen, javascript)
    problems = []
    for path in [*PUBLIC_PATHS, follow_path, follow_path + "/resolu"]:
        page.goto(path)
        problems += serious_violations(page, path, javascript)
    if javascript and screen == "telephone":
        page.goto("/aide")
        page.get_by_role("button", name="Menu").click()
        expect(nav_link(page)).to_be_visible()
        problems += serious_violations(page, "/aide, menu ouvert", javascript)
    assert not problems, "Violations axe sérieuses ou critiques :\n" + "\n".join(problems)
