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

pytestmark = pytest.mark.skipif(not SVG_PATH.exists(), reason="npm ci n'a pas été lancé")
CSS = PROJECT_DIR / "static" / "css" / "carte.css"
_LINK = re.compile(
    r'<a href="/aide/contact\?academie=([a-z-]+)#academie" id="carte-\1" class="([^"]+)" aria-label="([^"]+)"'
)


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
    links = _LINK.findall(svg)
    assert len(links) == len(mainland(academies)) == 25
    names = {slug: label for slug, _classes, label in links}
    assert names["orleans-tours"] == "Académie d&#x27;Orléans-Tours"
    assert names["corse"] == "Académie de Corse"
    for slug, _classes, label in links:  # the name shown on hover and focus, and the title
        academie = academies.get(slug)
        part = svg[svg.index(f'id="carte-{slug}"') :].split("</a>", 1)[0]
        assert f"<title>{label}</title>" in part
        assert f'<text x="14" y="45" class="carte-nom__nom">{academie.nom}</text>' in part
        # its départements, strokes then fills: the borders inside the académie are covered
        uses = "".join(f'<use href="#dep-{d}"/>' for d in academie.departements)
        assert f'<g class="carte-contour">{uses}</g><g class="carte-aplat">{uses}</g>' in part
    assert svg.count('<path id="dep-') == 96


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
    classes = dict((slug, c) for slug, c, _ in _LINK.findall(academies_svg(academies)))
    assert all(f"teinte-{shade[slug]}" in classes[slug].split() for slug in shade)


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
    assert f'<link rel="stylesheet" href="{asset("/static/css/carte.css")}">' in html
    assert 'class="fr-text--sm carte-aide-clavier"' in html
    assert len(_LINK.findall(html)) == 25
    assert re.search(
        r'id="carte-lyon" class="[^"]*carte-academie--choisie[^"]*" aria-label="Académie de Lyon" aria-current="page"',
        html,
    )
    assert html.count('aria-current="page"><title>') == 1
    css = await client.get("/static/css/carte.css")
    assert css.status_code == 200 and "teinte-0" in css.text
