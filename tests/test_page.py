"""The reader of pages the tests use (tests/page.py): what a person perceives of a snippet."""

import pytest

from tests.page import (
    alert_texts,
    buttons,
    element,
    element_text,
    find,
    links,
    visible_text,
)

SNIPPET = """<!doctype html><html><head><title>Suivi – Assistance</title>
<style>.x { color: red }</style></head><body>
<div class="resume" role="alert" id="erreurs" tabindex="-1" autofocus>
  <h2>Votre demande n&#39;a pas été envoyée</h2>
  <ul><li><a href="#degre">L'élève est\u00a0: en 1<sup>er</sup> degré</a></li></ul>
</div>
<p class="pastille pastille--succes" id="statut">Clôturée</p>
<p>Ligne<br>suivante<img src="x.png" alt=""></p>
<p hidden>Rien à voir</p>
<svg><a href="/carte" id="carte"><use href="#dep-45"/><use href="#dep-37"/></a></svg>
<form><button type="submit" aria-controls="menu">Envoyer</button>
<input type="submit" value="Vérifier"><input type="hidden" name="x" value="1"></form>
<script>let cache = "<p>pas du texte</p>";</script>
</body></html>"""


def test_links_give_their_text_and_address():
    assert links(SNIPPET) == [
        ("L'élève est\u00a0: en 1er degré", "#degre"),
        ("", "/carte"),
    ]


def test_an_element_by_its_attributes_and_its_text():
    summary = element(SNIPPET, id="erreurs")
    assert summary.attrs["tabindex"] == "-1" and "autofocus" in summary.attrs
    assert [sup.text for sup in summary.find("sup")] == ["er"]
    assert element_text(SNIPPET, id="statut") == "Clôturée"
    assert element_text(SNIPPET, "title") == "Suivi – Assistance"
    assert [b.attrs["aria-controls"] for b in find(SNIPPET, aria_controls="menu")] == ["menu"]
    assert [p.text for p in find(SNIPPET, "p", class_="pastille--succes")] == ["Clôturée"]
    # an SVG's self-closed elements stay inside their parent
    uses = element(SNIPPET, "a", id="carte").elements
    assert [use.attrs["href"] for use in uses] == ["#dep-45", "#dep-37"]


def test_buttons_and_alerts():
    assert buttons(SNIPPET) == ["Envoyer", "Vérifier"]
    assert alert_texts(SNIPPET) == [
        "Votre demande n'a pas été envoyée L'élève est\u00a0: en 1er degré"
    ]


def test_the_visible_text_leaves_out_the_head_scripts_and_hidden_parts():
    text = visible_text(SNIPPET)
    assert "Ligne suivante" in text and "Clôturée" in text
    for unseen in ("Suivi – Assistance", "color", "Rien à voir", "pas du texte"):
        assert unseen not in text


@pytest.mark.parametrize("wanted", [{"id": "absent"}, {"tag": "p"}])
def test_a_missing_element_or_several_are_an_error(wanted):
    with pytest.raises(AssertionError):
        element(SNIPPET, **wanted)
