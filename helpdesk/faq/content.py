"""The FAQ's single source, content/faq.md: themes (#), questions (##) with stable slugs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from markdown_it import MarkdownIt

from helpdesk import PROJECT_DIR

FAQ_PATH = PROJECT_DIR / "content" / "faq.md"
CATEGORIES_FROM_FAQ = {
    "date_naissance",
    "rattachement",
    "mail_confirmation",
    "identifiant_perdu",
    "mot_de_passe",
    "auto_inscription",
    "compte_compromis",
    "demarche_en_ligne",
    "autre",
}
_HEADING = re.compile(r"^(#{1,2}) (.+?) \{#([a-z0-9-]+)\}\s*$")
_FORM_LINE = re.compile(r"^formulaire:\s*([a-z_]+)\s*$")
_markdown = MarkdownIt("commonmark", {"html": False, "typographer": False})


class FaqFormatError(ValueError):
    pass


@dataclass
class Question:
    slug: str
    title: str
    theme_slug: str
    theme_title: str
    answer_markdown: str
    form_category: str | None = None

    @cached_property  # rendered once: the FAQ changes only on deploy
    def answer_html(self) -> str:
        return _markdown.render(self.answer_markdown)

    @cached_property
    def answer_text(self) -> str:
        """The answer without Markdown marks, for search and the API."""
        text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", self.answer_markdown)
        return re.sub(r"[*_`#>]", "", text).strip()


@dataclass
class Theme:
    slug: str
    title: str
    intro_markdown: str = ""
    questions: list[Question] = field(default_factory=list)

    @property
    def intro_html(self) -> str:
        return _markdown.render(self.intro_markdown) if self.intro_markdown.strip() else ""


@dataclass
class Faq:
    themes: list[Theme]

    @property
    def questions(self) -> list[Question]:
        return [q for theme in self.themes for q in theme.questions]

    def question(self, slug: str) -> Question | None:
        return next((q for q in self.questions if q.slug == slug), None)


def parse_faq(text: str) -> Faq:
    themes: list[Theme] = []
    current_lines: list[str] = []
    current: Theme | Question | None = None

    def close_current() -> None:
        body = "\n".join(current_lines).strip()
        if isinstance(current, Theme):
            current.intro_markdown = body
        elif isinstance(current, Question):
            first, _, rest = body.partition("\n")
            form = _FORM_LINE.match(first.strip())
            if form:
                if form.group(1) not in CATEGORIES_FROM_FAQ:
                    raise FaqFormatError(
                        f"catégorie inconnue pour {current.slug} : {form.group(1)}"
                    )
                current.form_category = form.group(1)
                body = rest.strip()
            if not body:
                raise FaqFormatError(f"la question {current.slug} n'a pas de réponse")
            current.answer_markdown = body
        current_lines.clear()

    seen: set[str] = set()
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if not heading:
            if line.startswith(("# ", "## ")):
                raise FaqFormatError(f"titre sans ancre {{#slug}} : {line}")
            current_lines.append(line)
            continue
        close_current()
        level, title, slug = heading.groups()
        if slug in seen:
            raise FaqFormatError(f"ancre en double : {slug}")
        seen.add(slug)
        if level == "#":
            current = Theme(slug=slug, title=title.strip())
            themes.append(current)
        else:
            if not themes:
                raise FaqFormatError(f"question hors thème : {title}")
            theme = themes[-1]
            current = Question(slug, title.strip(), theme.slug, theme.title, "")
            theme.questions.append(current)
    close_current()
    return Faq(themes=themes)


def load_faq(path: Path = FAQ_PATH) -> Faq:
    return parse_faq(path.read_text(encoding="utf-8"))
