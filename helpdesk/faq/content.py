"""The FAQ's single source, content/faq.md: themes (#), questions (##) with stable slugs.

Lines that are read, not shown:

- before the first theme, `synonymes: modifier | changer | mettre à jour`: words and phrases the
  search takes as one (the first names the group);
- under a theme, `public: eleve`: its questions speak to pupils (parents by default);
- under a question, `formulaire: <catégorie>`: the assistance form's category for this question;
  `recherche: changer de mot de passe | nouveau mot de passe`: how parents say it, for the search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from markdown_it import MarkdownIt

from helpdesk import PROJECT_DIR
from helpdesk.categories.catalogue import CATEGORIES

FAQ_PATH = PROJECT_DIR / "content" / "faq.md"
_HEADING = re.compile(r"^(#{1,2}) (.+?) \{#([a-z0-9-]+)\}\s*$")
_FORM_LINE = re.compile(r"^formulaire:\s*([a-z_]+)\s*$")
_SEARCH_LINE = re.compile(r"^recherche:(.*)$")
_AUDIENCE_LINE = re.compile(r"^public:\s*([a-z]+)\s*$")
_SYNONYMS_LINE = re.compile(r"^synonymes:(.*)$")
AUDIENCES = {"parent", "eleve"}
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
    paraphrases: list[str] = field(default_factory=list)
    audience: str = "parent"

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
    audience: str = "parent"

    @property
    def intro_html(self) -> str:
        return _markdown.render(self.intro_markdown) if self.intro_markdown.strip() else ""


@dataclass
class Faq:
    themes: list[Theme]
    synonyms: list[list[str]] = field(default_factory=list)

    @property
    def questions(self) -> list[Question]:
        return [q for theme in self.themes for q in theme.questions]

    def question(self, slug: str) -> Question | None:
        return next((q for q in self.questions if q.slug == slug), None)


def parse_faq(text: str) -> Faq:
    themes: list[Theme] = []
    synonyms: list[list[str]] = []
    current_lines: list[str] = []
    current: Theme | Question | None = None

    def close_current() -> None:
        lines = list(current_lines)
        current_lines.clear()
        if current is None:  # before the first theme: the search's vocabulary
            for line in lines:
                found = _SYNONYMS_LINE.match(line.strip())
                if found:
                    group = _alternatives(found.group(1))
                    if len(group) < 2:
                        raise FaqFormatError(f"synonymes sans équivalent : {line}")
                    synonyms.append(group)
            return
        while lines and not lines[0].strip():
            lines.pop(0)
        if isinstance(current, Theme):
            if lines and (audience := _AUDIENCE_LINE.match(lines[0].strip())):
                current.audience = _audience(audience.group(1), current.slug)
                lines.pop(0)
            current.intro_markdown = "\n".join(lines).strip()
            return
        while lines:
            line = lines[0].strip()
            if form := _FORM_LINE.match(line):
                if form.group(1) not in CATEGORIES:  # a `formulaire:` line opens the form
                    raise FaqFormatError(
                        f"catégorie inconnue pour {current.slug} : {form.group(1)}"
                    )
                current.form_category = form.group(1)
            elif search := _SEARCH_LINE.match(line):
                current.paraphrases += _alternatives(search.group(1))
            else:
                break
            lines.pop(0)
        body = "\n".join(lines).strip()
        if not body:
            raise FaqFormatError(f"la question {current.slug} n'a pas de réponse")
        current.answer_markdown = body

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
    for theme in themes:
        for question in theme.questions:
            question.audience = theme.audience
    return Faq(themes=themes, synonyms=synonyms)


def _alternatives(text: str) -> list[str]:
    return [part.strip() for part in text.split("|") if part.strip()]


def _audience(value: str, slug: str) -> str:
    if value not in AUDIENCES:
        raise FaqFormatError(f"public inconnu pour {slug} : {value}")
    return value


def load_faq(path: Path = FAQ_PATH) -> Faq:
    return parse_faq(path.read_text(encoding="utf-8"))
