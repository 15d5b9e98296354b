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


def test_the_dashboard_figures_agree_with_their_number():
    from helpdesk.accounts.school_summary import SummaryGroup
    from helpdesk.establishments.dashboard import population_board

    def group(count: int, **changes) -> SummaryGroup:
        fields = {
            "kind": "responsable",
            "state_code": "active",
            "mail_state": "confirmee",
            "mobile_state": "confirme",
            "connected": True,
            "flags": [],
        }
        return SummaryGroup(**(fields | changes), count=count)

    one = population_board("responsables", [group(1, flags=["compromis"])])
    words = [f"{f.count} {f.label}" for f in [*one.key_figures, *one.to_treat, one.compromised]]
    assert "1 responsable connecté depuis la rentrée" in words
    assert "1 responsable ayant confirmé son adresse mail" in words
    assert "1 mot de passe modifié pour des raisons de sécurité" in words
    assert "0 date de naissance incorrecte" in words
    many = population_board("eleves", [group(3, kind="eleve")])
    assert "3 élèves connectés depuis la rentrée" in [
        f"{f.count} {f.label}" for f in many.key_figures
    ]
