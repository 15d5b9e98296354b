"""The map of académies: one link per mainland académie with its name, shades that neighbours
never share, académie borders, the name on hover and focus, the keyboard hint hidden on touch."""

import re

import pytest

from helpdesk import PROJECT_DIR
from helpdesk.contacts.academies import load_academies
from helpdesk.contacts.map import (
    SVG_PATH,
    academies_svg,
    compact,
    neighbours,
    points,
    read_departements,
    shades,
)
from helpdesk.core.assets import asset
from tests.helpers import text_of
from tests.page import Element, element, element_text, find

pytestmark = pytest.mark.skipif(not SVG_PATH.exists(), reason="npm ci n'a pas été lancé")
CSS = PROJECT_DIR / "static" / "css" / "carte.css"


def map_links(page: str) -> dict[str, Element]:
    """The map's links, by académie (their id: carte-<slug>)."""
    found = [a for a in find(page, "a") if a.id.startswith("carte-")]
    return {a.id.removeprefix("carte-"): a for a in found}


@pytest.fixture(scope="module")
def academies():
    return load_academies()


@pytest.fixture(scope="module")
def paths():
    return read_departements()[1]


def mainland(academies):
    return [a for a in academies.all if not all(len(d) == 3 for d in a.departements)]


def test_one_named_link_per_mainland_academie(academies):
    svg = academies_svg(academies)
    links = map_links(svg)
    assert len(links) == len(mainland(academies)) == 25
    names = {slug: link.attrs["aria-label"] for slug, link in links.items()}
    assert names["orleans-tours"] == "Académie d'Orléans-Tours"
    assert names["corse"] == "Académie de Corse"
    for slug, link in links.items():  # the name shown on hover and focus, and the title
        academie = academies.get(slug)
        assert link.attrs["href"] == f"/aide/contact?academie={slug}#academie"
        assert element_text(link, "title") == names[slug]
        name = element(link, "text", class_="carte-nom__nom")
        assert (name.attrs["x"], name.attrs["y"], name.text) == ("14", "45", academie.nom)
        # its départements, strokes then fills: the borders inside the académie are covered
        uses = [f"#dep-{d}" for d in academie.departements]
        drawn = [(g.classes, [use.attrs["href"] for use in g.elements]) for g in link.elements[1:3]]
        assert drawn == [(["carte-contour"], uses), (["carte-aplat"], uses)]
    assert len([p for p in find(svg, "path") if p.id.startswith("dep-")]) == 96


def test_neighbouring_academies_never_share_a_shade(academies, paths):
    touching = neighbours(paths)
    assert frozenset({"45", "77"}) in touching  # Loiret, Seine-et-Marne
    assert frozenset({"38", "86"}) not in touching  # Isère, Vienne
    assert frozenset({"75", "92"}) in touching
    of = {d: a.slug for a in academies.all for d in a.departements}
    shade = shades(mainland(academies), paths)
    borders = {frozenset((of[a], of[b])) for a, b in touching if of[a] != of[b]}
    assert len(borders) > 40
    for pair in borders:
        a, b = pair
        assert shade[a] != shade[b], (a, b)
    links = map_links(academies_svg(academies))
    assert all(f"teinte-{shade[slug]}" in links[slug].classes for slug in shade)


def test_compact_outline_keeps_the_shape(paths):
    for code in ("29", "75", "2A"):
        before, after = points(paths[code]), points(compact(paths[code]))
        assert len(after) <= len(before)
        xs, ys = zip(*before, strict=True)
        xs2, ys2 = zip(*after, strict=True)
        assert abs(min(xs) - min(xs2)) < 0.5 and abs(max(ys) - max(ys2)) < 0.5


def test_the_css_shows_names_and_hides_the_hint_on_touch():
    css = CSS.read_text(encoding="utf-8")
    assert ".carte-academie:focus .carte-nom" in css
    assert re.search(
        r"@media \(pointer: coarse\) \{\s*\.carte-aide-clavier \{ display: none; \}", css
    )
    for shade in range(6):
        assert f".teinte-{shade} .carte-aplat" in css


async def test_contact_page_draws_the_academies(client):
    html = text_of(await client.get("/aide/contact", params={"academie": "lyon"}))
    sheets = [link.attrs["href"] for link in find(element(html, "head"), "link", rel="stylesheet")]
    assert asset("/static/css/carte.css") in sheets
    hint = element(html, class_="carte-aide-clavier")  # hidden on touch screens by carte.css
    assert hint.text.startswith("Sur la carte, parcourez les académies avec la touche Tab")
    links = map_links(html)
    assert len(links) == 25
    assert [slug for slug, link in links.items() if link.attrs.get("aria-current")] == ["lyon"]
    lyon = links["lyon"]
    assert lyon.attrs["aria-current"] == "page" and lyon.attrs["aria-label"] == "Académie de Lyon"
    assert "carte-academie--choisie" in lyon.classes
    assert element_text(lyon, "title") == "Académie de Lyon"
    css = await client.get("/static/css/carte.css")
    assert css.status_code == 200 and "teinte-0" in css.text
