"""French as the State writes it: a non-breaking space before ; : ! ? and inside « »."""

import ast
import re
from pathlib import Path

from helpdesk import PROJECT_DIR

# A letter, digit or closing sign, an ordinary space, then double punctuation ending a word.
PLAIN_SPACE = re.compile(r"[\w»)…] [;:!?](?=\s|$|<|\"|')|« | »")


def offending(text: str) -> list[str]:
    text = re.sub(r"https?://\S+", "", text)
    text = re.sub(r"\{[{%].*?[%}]\}", "", text)  # Jinja expressions are code, not text
    return [m.group(0) for m in PLAIN_SPACE.finditer(text)]


def python_strings(path: Path) -> list[str]:
    """The string constants of a module, docstrings aside (those are for developers)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    return [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
    ]


def test_templates_use_non_breaking_spaces():
    problems = {}
    for path in sorted((PROJECT_DIR / "templates").rglob("*")):
        if path.suffix in (".html", ".txt"):
            found = offending(path.read_text(encoding="utf-8"))
            if found:
                problems[str(path.relative_to(PROJECT_DIR))] = found
    assert problems == {}


def test_messages_in_the_code_use_non_breaking_spaces():
    problems = {}
    for path in sorted((PROJECT_DIR / "helpdesk").rglob("*.py")):
        found = [
            o
            for s in python_strings(path)
            if not s.startswith(("SELECT", "INSERT", "CREATE"))
            for o in offending(s)
        ]
        if found:
            problems[str(path.relative_to(PROJECT_DIR))] = found
    assert problems == {}


def test_content_uses_non_breaking_spaces():
    for name in ("faq.md", "academies.toml"):
        text = (PROJECT_DIR / "content" / name).read_text(encoding="utf-8")
        text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        assert offending(text) == [], name
