"""The public pages' frame on a phone and the small things a parent trips on (issue 15): the
DSFR header and its « Menu », the demo mails outside the navigation, titles, superscript
ordinals, file sizes, the contact page's cache, the demo mail page, the wrong follow-up link."""

from __future__ import annotations

import socket
from email.message import EmailMessage

import pytest
from litestar.testing import AsyncTestClient

from helpdesk.app import create_app
from helpdesk.core.french import file_size_fr, ordinals_html
from tests.conftest import make_settings
from tests.helpers import text_of
from tests.page import Element, element, element_text, links

PUBLIC_PAGES = ["/", "/aide", "/aide/contact", "/assistance", "/suivi/perdu", "/accessibilite"]


def header_of(html: str) -> Element:
    return element(html, "header", role="banner")


def main_menu(header: Element) -> Element:
    return element(header, "nav", aria_label="Menu principal")


@pytest.mark.parametrize("path", PUBLIC_PAGES)
async def test_the_dsfr_header_has_its_menu_button_and_modal(client, path):
    html = text_of(await client.get(path))
    header = header_of(html)
    button = element(header, "button", aria_controls="menu-principal", aria_haspopup="dialog")
    assert button.text == "Menu" and button.attrs["data-fr-opened"] == "false"
    menu = element(header, id="menu-principal")
    assert menu.attrs["aria-labelledby"] == button.id  # the dialog « Menu » opens
    assert "fr-modal" in menu.classes  # what DSFR's script opens as a modal on a phone
    close = element(menu, "button", aria_controls="menu-principal")
    assert close.attrs["title"] == "Fermer"
    hrefs = [href for _text, href in links(main_menu(menu))]
    assert hrefs == ["/aide", "/aide/contact", "/assistance"]
    assert "Courriels" not in html  # not in demo mode


@pytest.fixture
async def demo_client(backend, tmp_path, request):
    """The app in demo mode (its mail catcher on a free port), on both databases."""
    url = request.getfixturevalue("postgres_url") if backend == "postgres" else ""
    if url:
        from tests.conftest import empty_postgres

        await empty_postgres(url)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = make_settings(tmp_path, url, demo=True, smtp={"demo_port": port})
    async with AsyncTestClient(app=create_app(settings), base_url="http://testserver.local") as c:
        c.settings = settings
        yield c


async def test_demo_mails_are_a_tool_link_not_in_the_navigation(demo_client):
    header = header_of(text_of(await demo_client.get("/aide")))
    assert "Courriels" not in main_menu(header).text
    # DSFR's script copies the tool links of the header into the phone's menu when that copy
    # is missing: it is written already, the same, so the script leaves it as it is.
    tools = element(header, class_="fr-header__tools-links")
    copy = element(header, class_="fr-header__menu-links")
    assert links(tools) == [("Courriels (démo)", "/demo/courriels")]
    assert copy.children == tools.children


async def test_demo_mails_page_in_french_paris_time_subject_first(demo_client):
    folder = demo_client.settings.data_dir / "courriels-demo"
    folder.mkdir(parents=True, exist_ok=True)
    mail = EmailMessage()
    mail["To"] = "claire.martin@example.fr"
    mail["Subject"] = "Votre demande OT-2026-000001"
    mail["Date"] = "Sun, 01 Mar 2026 13:05:00 +0000"  # 14 h 05 in Paris (winter time)
    mail.set_content("Bonjour,\nvoici votre lien de suivi.")
    (folder / "000001.eml").write_bytes(mail.as_bytes())
    html = text_of(await demo_client.get("/demo/courriels"))
    assert "le 1<sup>er</sup> mars 2026 à 14\u00a0h\u00a005" in html
    assert "+0000" not in html and "Sun," not in html
    assert html.index("Votre demande OT-2026-000001") < html.index("voici votre lien de suivi")


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/aide", "Besoin d'aide\u00a0? – Assistance ÉduConnect"),
        ("/aide?q=mot+de+passe", "Recherche «\u00a0mot de passe\u00a0» – Besoin d'aide\u00a0?"),
        (
            "/aide/contact?academie=lyon",
            "Académie de Lyon – Contacter mon académie – Besoin d'aide\u00a0?",
        ),
        ("/suivi/perdu", "J'ai perdu mon lien de suivi – Assistance ÉduConnect"),
    ],
)
async def test_titles_use_an_en_dash(client, path, title):
    html = text_of(await client.get(path))
    page_title = element_text(element(html, "head"), "title")  # not the map's titles
    assert page_title.startswith(title)
    assert " - " not in page_title


def test_ordinals_in_superscript_and_text_escaped():
    assert ordinals_html("1er degré, 2nd degré, 6e B") == (
        "1<sup>er</sup> degré, 2<sup>nd</sup> degré, 6<sup>e</sup> B"
    )
    assert ordinals_html("<b>1er</b>") == "&lt;b&gt;1<sup>er</sup>&lt;/b&gt;"
    assert ordinals_html("p.dupont12 et 0450782F") == "p.dupont12 et 0450782F"


def test_file_sizes_in_ko_and_mo():
    assert file_size_fr(300) == "1\u00a0Ko"
    assert file_size_fr(240 * 1024) == "240\u00a0Ko"
    assert file_size_fr(3 * 1024 * 1024 // 2) == "1,5\u00a0Mo"
    assert file_size_fr(5 * 1024 * 1024) == "5\u00a0Mo"


async def test_degree_labels_in_superscript(client):
    form = text_of(await client.get("/assistance?academie=orleans-tours&categorie=autre"))
    assert "(1<sup>er</sup> degré)" in form and "(2<sup>nd</sup> degré)" in form
    contact = text_of(await client.get("/aide/contact?academie=lyon"))
    assert "(1<sup>er</sup> degré)" in contact


@pytest.mark.parametrize("query", ["", "?academie=lyon", "?recherche=45000"])
async def test_the_contact_page_may_be_cached_a_minute(client, query):
    response = await client.get("/aide/contact" + query, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    directives = {d.strip() for d in response.headers["cache-control"].split(",")}
    assert directives == {"public", "max-age=60"}
    assert "set-cookie" not in response.headers  # nothing personal in a shared cache
    assert response.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in response.headers["vary"].lower()


async def test_a_wrong_follow_up_link_links_to_the_lost_link_page(client):
    response = await client.get("/suivi/lien-qui-n-existe-pas")
    assert response.status_code == 404
    html = text_of(response)
    assert ("Recevoir de nouveau mes liens de suivi", "/suivi/perdu") in links(html)
    assert "l'adresse /suivi/perdu" not in html


async def test_the_lost_link_page_leads_back_to_the_faq_and_the_form(client):
    html = text_of(await client.get("/suivi/perdu"))
    assert ("Consulter les questions fréquentes", "/aide") in links(html)
    assert ("Faire une nouvelle demande", "/assistance") in links(html)
