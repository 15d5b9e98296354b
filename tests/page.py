"""A page as a person perceives it, read with the standard library's HTML parser: its links,
buttons, alerts, the text of an element, the visible text. Tests assert on these (roles, words,
addresses) rather than on markup and the design system's classes, which may change while the
person sees the same page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Elements without content: no end tag closes them.
VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
# Elements the eye sees apart: their words are not glued to their neighbours'.
BLOCKS = frozenset(
    (
        "address article aside blockquote br dd details div dl dt fieldset figcaption figure "
        "footer form h1 h2 h3 h4 h5 h6 header hr legend li main nav ol p section summary table "
        "td th tr ul"
    ).split()
)
NEVER_SHOWN = frozenset({"script", "style", "template"})
SPACES = re.compile(r"[ \t\n\r\f]+")  # not \s: a non-breaking space is part of the text


@dataclass
class Element:
    """An element of the page: its tag, its attributes (entities decoded, an attribute without
    value as ""), its children (elements and text, in the page's order)."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Element | str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.attrs.get("id", "")

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    @property
    def elements(self) -> list[Element]:
        """The elements right inside this one."""
        return [child for child in self.children if isinstance(child, Element)]

    @property
    def text(self) -> str:
        """Its words, spaces squeezed as a browser shows them."""
        return squeeze("".join(self._words(visible=False)))

    def find(self, tag: str | None = None, **attrs: str | bool) -> list[Element]:
        """The elements inside this one, in the page's order, with this tag and attributes:
        `class_="x"` has the class x, `aria_controls="m"` is aria-controls="m", True: present."""
        return [e for e in self._descendants() if e._matches(tag, attrs)]

    def _descendants(self) -> Iterator[Element]:
        for child in self.elements:
            yield child
            yield from child._descendants()

    def _matches(self, tag: str | None, attrs: dict[str, str | bool]) -> bool:
        if tag is not None and self.tag != tag:
            return False
        for key, wanted in attrs.items():
            if key == "class_":
                if wanted not in self.classes:
                    return False
                continue
            name = key.rstrip("_").replace("_", "-")
            value = self.attrs.get(name)
            if value is None or (wanted is not True and value != wanted):
                return False
        return True

    def _words(self, visible: bool) -> Iterator[str]:
        for child in self.children:
            if isinstance(child, str):
                yield child
            elif child.tag in NEVER_SHOWN or (visible and child._hidden()):
                continue
            else:
                gap = " " if child.tag in BLOCKS else ""
                yield gap
                yield from child._words(visible)
                yield gap

    def _hidden(self) -> bool:
        return self.tag == "head" or "hidden" in self.attrs


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document")
        self.open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.open[-1].children.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <use …/> in an SVG: nothing inside, nothing to close
        self.open[-1].children.append(Element(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        # A missing end tag (an unclosed <p>) is closed with the element around it.
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.open[-1].children.append(data)


def squeeze(text: str) -> str:
    return SPACES.sub(" ", text).strip()


def parse(page: str | Element) -> Element:
    """The page (or a part of it) as elements; an element is given back as it is."""
    if isinstance(page, Element):
        return page
    builder = _Builder()
    builder.feed(page)
    builder.close()
    return builder.root


def find(page: str | Element, tag: str | None = None, **attrs: str | bool) -> list[Element]:
    return parse(page).find(tag, **attrs)


def element(page: str | Element, tag: str | None = None, **attrs: str | bool) -> Element:
    """The one element with this tag and attributes (an error when there are none or many)."""
    found = find(page, tag, **attrs)
    assert len(found) == 1, f"{len(found)} éléments {tag or ''} {attrs} dans la page"
    return found[0]


def element_text(page: str | Element, tag: str | None = None, **attrs: str | bool) -> str:
    return element(page, tag, **attrs).text


def links(page: str | Element) -> list[tuple[str, str]]:
    """Each link: its text, where it goes."""
    return [(a.text, a.attrs["href"]) for a in find(page, "a", href=True)]


def buttons(page: str | Element) -> list[str]:
    """The words of each button (a <button>, or an <input> of type submit or button)."""
    return [
        e.text if e.tag == "button" else e.attrs.get("value", "")
        for e in find(page)
        if e.tag == "button" or (e.tag == "input" and e.attrs.get("type") in ("submit", "button"))
    ]


def alert_texts(page: str | Element) -> list[str]:
    """What each alert says (role="alert": an error summary, a failure)."""
    return [alert.text for alert in find(page, role="alert")]


def visible_text(page: str | Element) -> str:
    """The words a person sees: neither the head, nor scripts, nor hidden elements."""
    return squeeze("".join(parse(page)._words(visible=True)))
