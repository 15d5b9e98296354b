"""The Content-Security-Policy breaks nothing: pages run their scripts and styles with no
violation reported by the browser (public pages, the form, the map, staff pages, /schema)."""

from playwright.sync_api import expect

from tests.e2e.test_journeys import caught_link, create_agent, log_in, post_ticket
from tests.helpers import VALID_API

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile + ":" + e.lineNumber);
});
"""


def violations(page) -> list[str]:
    return page.evaluate("window.__csp || []")


def watched(page, messages: list[str]):
    page.add_init_script(WATCH)
    page.on("console", lambda m: messages.append(m.text) if "Content Security" in m.text else None)
    return page


def test_public_pages_run_without_csp_violation(page, live_server):
    console: list[str] = []
    watched(page, console)
    for path in (
        "/",
        "/aide",
        "/aide/contact",
        "/aide/contact?academie=orleans-tours",
        "/assistance?academie=orleans-tours&categorie=date_naissance",
        "/schema",
    ):
        page.goto(live_server.at(path))
        page.wait_for_load_state("networkidle")
        assert violations(page) == [], path
    # Scripts did run: the form's own script marks it, Swagger UI drew the API.
    page.goto(live_server.at("/schema"))
    expect(page.locator(".swagger-ui")).to_be_visible()
    assert console == []
    # The watch itself works: an inline script added now is refused and reported.
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_function("window.__csp.length > 0")
    assert page.evaluate("window.x") is None


def test_staff_pages_run_without_csp_violation(page, live_server):
    create_agent(live_server, "agent.csp@ot.fr")
    console: list[str] = []
    watched(page, console)
    page.goto(live_server.at("/agent"))
    log_in(page, "agent.csp@ot.fr")
    expect(page.locator("h1")).to_contain_text("File d'attente")
    reference = post_ticket(live_server, {**VALID_API, "academie": "orleans-tours"})
    for path in ("/agent", "/compte", "/agent/statistiques", f"/agent/tickets/{reference}"):
        page.goto(live_server.at(path))
        page.wait_for_load_state("networkidle")
        assert violations(page) == [], path
    # The ticket page still works: taking the request is one click.
    page.get_by_role("button", name="Prendre la demande").click()
    expect(page.locator("#assignee-actuel")).not_to_be_empty()
    assert violations(page) == [] and console == []
    # The parent's follow-up page, from the acknowledgment mail.
    page.goto(caught_link(page, live_server, reference))
    expect(page.locator("h1")).to_have_text(f"Demande {reference}")
    assert violations(page) == [] and console == []


def test_second_factor_enrolment_shows_its_qr_code_without_violation(page, live_server):
    live_server.cli(
        "create-user",
        *("--email", "chef.csp@ot.fr", "--password", "Agent-Navigateur-2026"),
        *("--role", "supervisor", "--academie", "orleans-tours", "--totp"),
    )
    console: list[str] = []
    watched(page, console)
    page.goto(live_server.at("/connexion"))
    log_in(page, "chef.csp@ot.fr")
    expect(page.locator("#qr-totp svg")).to_be_visible()
    assert page.locator("#qr-totp svg").bounding_box()["width"] > 100
    assert violations(page) == [] and console == []
