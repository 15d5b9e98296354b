"""The activation statistics in a browser, under the real Content-Security-Policy: the charts
over time are drawn (SVG, no script, no inline style), nothing is refused by the policy and
axe finds no serious problem; on a server of its own, its directory the demo one."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import start_live_server
from tests.e2e.test_csp import violations, watched
from tests.e2e.test_journeys import AGENT_PASSWORD, log_in
from tests.e2e.test_public_pages import serious_violations


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with start_live_server(tmp_path_factory.mktemp("statistiques")) as live:
        live.cli("accounts", "demo")
        for email, role, option in (
            ("ecole.stats@ot.fr", "establishment", ("--uai", "0450782F")),
            ("chef.stats@ot.fr", "supervisor", ("--academie", "orleans-tours")),
        ):
            live.cli(
                "create-user",
                *("--email", email, "--password", AGENT_PASSWORD, "--role", role, *option),
            )
        yield live


@pytest.mark.parametrize(
    ("email", "path", "bars"),
    [
        ("ecole.stats@ot.fr", "/etablissement/comptes/0450782F/statistiques", "Établissement"),
        ("chef.stats@ot.fr", "/agent/etablissements/statistiques", "Académie"),
    ],
)
def test_statistics_over_time_are_drawn_under_the_policy(page, server, email, path, bars):
    console: list[str] = []
    watched(page, console)
    page.goto(server.at("/connexion"))
    log_in(page, email)
    page.goto(server.at(path))
    page.wait_for_load_state("networkidle")
    chart = page.locator("svg.graphe-evolution").first
    expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] > 300  # drawn at a readable size
    assert chart.locator("rect").count() >= 2  # the rentrée and this month at least
    table = page.locator("#evolution-eleves")
    expect(table.locator("thead")).to_contain_text(bars)
    expect(table.locator("tbody tr").first).to_contain_text("rentrée (1er septembre")
    assert violations(page) == [] and console == []
    assert serious_violations(page, path) == []
