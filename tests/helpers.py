"""Small helpers shared by the tests."""

import html


def text_of(response) -> str:
    """The page as a person reads it: entities (&#39; for ') decoded."""
    return html.unescape(response.text)
