"""The internet addresses « Informer » gives (guide §7), in its printable letters and in its mails:
the portail Scolarité Services for responsables, with the académie's page beside it; for pupils,
the ENT (or the académie's page). The help desk chooses them (its « Paramètres des courriers »)
and hands them to the directory with the action (`params.links`): the directory's mail and the
help desk's letter then print the same sentences, written once here."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from helpdesk.accounts.port import ActionRefused

# The address the guide prints on responsables' letters and mails (§7).
SCOLARITE_SERVICES = "https://teleservices.education.gouv.fr"
LINK_FIELDS = ("page", "ent")  # the académie's page, the ENT


def check_web_address(typed: str) -> str:
    """A web address as typed, or ValueError with the French reason; "" stays "" (none)."""
    typed = typed.strip()
    if not typed:
        return ""
    if len(typed) > 300 or any(c.isspace() or ord(c) < 32 for c in typed):
        raise ValueError("Saisissez une seule adresse, sans espace (300 caractères au plus).")
    parts = urlsplit(typed)
    if parts.scheme not in ("https", "http") or "." not in parts.netloc:
        raise ValueError(
            "Saisissez une adresse internet complète, comme https://www.ac-exemple.fr."
        )
    return typed


def check_links(value: object) -> dict[str, str]:
    """`params.links` of « Informer »: {"page": …, "ent": …}, each optional."""
    if value is None:
        return dict.fromkeys(LINK_FIELDS, "")
    if not isinstance(value, Mapping) or not set(value) <= set(LINK_FIELDS):
        raise ActionRefused(
            "links associe à «\u00a0page\u00a0» (la page de l'académie) et à «\u00a0ent\u00a0» "
            "des adresses internet.",
            "params.links",
        )
    links = {}
    for name in LINK_FIELDS:
        typed = value.get(name) or ""
        try:
            if not isinstance(typed, str):
                raise ValueError("Saisissez une adresse internet (un texte).")
            links[name] = check_web_address(typed)
        except ValueError as refused:
            raise ActionRefused(str(refused), f"params.links.{name}") from None
    return links


def where_to_go(account_kind: str, page: str, ent: str) -> list[str]:
    """The sentences telling where to use the account, for a letter or a mail."""
    if account_kind == "responsable":
        lines = [f"Pour accéder à vos services, allez à l'adresse {SCOLARITE_SERVICES}."]
        if page and page != SCOLARITE_SERVICES:
            lines.append(f"Les informations de votre académie\u00a0: {page}")
        return lines
    if ent or page:
        return [f"Pour accéder à vos services, allez à l'adresse {ent or page}."]
    # Nothing chosen (a caller that gives no address): the guide's own words (§3.2).
    return [
        "Pour accéder à vos services, allez à l'adresse internet qui vous a été communiquée par "
        "l'établissement."
    ]
