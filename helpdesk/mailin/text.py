"""A mail's words as the agent should read them: HTML turned into text, the quoted history and
the signature cut off."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# A line that starts the quoted history (French and English mail clients).
HISTORY = [
    re.compile(r"^\s*(le|on)\s.{0,300}(a écrit|wrote)\s*:?\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*(original message|message d'origine|message original)", re.I),
    re.compile(r"^\s*_{10,}\s*$"),  # Outlook's line above the quoted headers
    re.compile(r"^\s*(de|from)\s*:\s.*$", re.IGNORECASE),  # only when a Date/Envoyé line follows
]
QUOTED_HEADER_NEXT = re.compile(r"^\s*(envoyé|sent|date|à|to|objet|subject)\s*:", re.IGNORECASE)
SIGNATURE = re.compile(
    r"^(--\s?|envoyé de mon (iphone|ipad|smartphone|mobile).*|sent from my .*)$", re.I
)


def _starts_history(lines: list[str], index: int) -> bool:
    line = lines[index]
    joined = f"{line} {lines[index + 1]}" if index + 1 < len(lines) else line
    for number, pattern in enumerate(HISTORY):
        if number == 3:  # « De : … » alone is a sentence; with « Envoyé : » after it, headers
            if pattern.match(line) and any(
                QUOTED_HEADER_NEXT.match(following) for following in lines[index + 1 : index + 4]
            ):
                return True
        elif pattern.match(line) or (number == 0 and pattern.match(joined)):
            return True
    return False


def trim_reply(text: str) -> str:
    """The new words of a reply: up to the quoted history or the signature, without the
    quoted (« > ») lines. A mail that is all quote keeps its text, nothing is made up."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = []
    for index, line in enumerate(lines):
        if SIGNATURE.match(line.strip()) or _starts_history(lines, index):
            break
        if not line.lstrip().startswith(">"):
            kept.append(line.rstrip())
    trimmed = "\n".join(kept).strip()
    trimmed = re.sub(r"\n{3,}", "\n\n", trimmed)
    return trimmed or text.strip()


BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"}
SKIPPED = {"script", "style", "head", "title", "blockquote"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []  # the open tags whose content is dropped

    def handle_starttag(self, tag: str, attrs) -> None:
        values = " ".join(v or "" for _, v in attrs)
        quote = tag == "div" and ("gmail_quote" in values or "divRplyFwdMsg" in values)
        if self.skipping or tag in SKIPPED or quote:
            if tag not in ("br", "img", "hr", "meta", "link", "input"):  # void elements
                self.skipping.append(tag)
            return
        if tag == "li":
            self.parts.append("\n- ")
        elif tag in BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
            return
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(re.sub(r"[ \t\r\n\f]+", " ", data))  # keeps U+00A0


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
