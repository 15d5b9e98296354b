"""Counts agree with their noun: « 1 compte traité », never « 1 mots de passe »."""

from __future__ import annotations

import re

from tests.establishments.test_bulk import ask, pdf_pages
from tests.helpers import login, text_of


async def test_one_account_reads_in_the_singular_from_list_to_pdf(school):
    await login(school, "ecole@ot.fr")
    active = next(p for p in school.people.eleves if p.state == "Activé")
    confirm, done = await ask(school, "eleves", "reset_password", [active.identifier])
    asked = text_of(confirm)
    assert "Réinitialiser le mot de passe\u00a0: 1 compte" in asked
    assert "Confirmer pour 1 compte" in asked
    shown = text_of(done)
    assert "Réinitialiser le mot de passe\u00a0: 1 compte traité." in shown
    link = re.search(r'href="([^"]+/documents/[0-9a-f]+)"', done.text)[1]
    listed = " ".join(pdf_pages((await school.get(link)).content))
    assert "1 compte réinitialisé le" in listed
    for page in (asked, shown, listed):
        assert not re.search(r"\b1 (comptes|mots|feuilles|demandes)\b", page)
        assert "(s)" not in page
