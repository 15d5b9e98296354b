"""In demo mode, a parent answers the acknowledgment « from their mail client » (the demo
page's « Répondre à ce courriel »): the answer is on the follow-up page."""

from playwright.sync_api import expect

from tests.e2e.test_journeys import caught_link, post_ticket
from tests.e2e.test_public_pages import serious_violations
from tests.helpers import VALID_API


def test_a_parent_answers_the_acknowledgment_by_mail(page, live_server):
    requester = {**VALID_API["requester"], "email": "lucie.bernard@example.fr"}
    reference = post_ticket(live_server, {**VALID_API, "requester": requester})
    link = caught_link(page, live_server, reference)
    mail = page.locator("article", has_text=reference).first
    expect(mail).to_contain_text("répondez simplement à ce courriel")
    mail.get_by_role("link", name="Répondre à ce courriel").click()
    expect(page.locator("h1")).to_have_text("Répondre à ce courriel")
    assert serious_violations(page, "repondre") == []
    page.fill("#message", "Bonjour, mon fils est en CE2. Merci.")
    page.get_by_role("button", name="Envoyer la réponse").click()
    expect(page.get_by_role("status")).to_contain_text("Votre réponse est partie par courriel")
    page.goto(link)
    expect(page.locator("#echanges + ol")).to_contain_text("mon fils est en CE2")
