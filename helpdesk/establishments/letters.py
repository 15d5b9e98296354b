"""Printable letters of « Informer » (guide 3.2, 5.2), as PDF, for the school to hand over."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from helpdesk.accounts.port import Letter
from helpdesk.accounts.web_addresses import SCOLARITE_SERVICES, where_to_go
from helpdesk.core.french import date_fr

if TYPE_CHECKING:
    from fpdf import FPDF

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Layout:
    """What a letter needs besides its data: the académie's page and a Unicode font."""

    link: str
    ent: str = ""  # where pupils go (guide §7); "" : the académie's page
    font: str = ""  # a TrueType file; "" or missing: the PDF core font (Latin-1 only)


def layout_of(settings, academie, chosen: dict[str, str] | None = None) -> Layout:
    """`chosen`: the addresses set in the settings page (the school's, else the académie's,
    from establishments/addresses.py); then HELPDESK_LETTER_URL, then the académie's site."""
    chosen = chosen or {}
    link = (
        chosen.get("page")
        or settings.letters.url
        or (academie.site if academie else "")
        or SCOLARITE_SERVICES
    )
    return Layout(link=link, ent=chosen.get("ent", ""), font=settings.letters.font)


def credentials(letter: Letter) -> list[str]:
    """« Identifiant / Mot de passe provisoire », as the guide's letters print them."""
    if not letter.has_provisional_password:
        return [f"Votre identifiant\u00a0: {letter.identifier}"]
    return [
        "Indiquez sur la page de connexion ÉduConnect les identifiant et mot de passe ci-dessous"
        "\u00a0:",
        f"Identifiant\u00a0: {letter.identifier}",
        f"Mot de passe provisoire\u00a0: {letter.provisional_password}",
        "Le mot de passe est à modifier lors de la première connexion.",
    ]


def links_of(layout: Layout) -> dict[str, str]:
    """The addresses of the layout as `inform` takes them (`params.links`), for its mails."""
    return {"page": layout.link, "ent": layout.ent}


def paragraphs(letter: Letter, layout: Layout) -> list[str]:
    if letter.kind == "compte_compromis":
        return [
            "Votre compte ÉduConnect présentant un risque de sécurité, votre mot de passe actuel "
            "a dû être modifié.",
            "Il vous est donc demandé de\u00a0:",
            "- vérifier la sécurité des appareils par lesquels vous accédez à ÉduConnect "
            "(analyse antivirus complète)\u00a0;",
            "- ensuite, vous connecter avec les identifiant et mot de passe provisoire ci-dessous,"
            " puis choisir un nouveau mot de passe, différent de l'ancien.",
            *credentials(letter),
            *where_to_go(letter.account_kind, layout.link, layout.ent),
        ]
    lines = [
        f"L'établissement {letter.establishment or letter.uai} vous informe que vous disposez "
        "d'un compte ÉduConnect.",
        "Ce compte unique est personnel. Il simplifie vos accès aux services numériques des "
        "écoles et des établissements. Vous le conserverez même en cas de changement "
        "d'établissement ou d'académie.",
    ]
    for child in letter.children:
        lines.append(
            f"- {child.get('first_name', '')} {child.get('last_name', '')}, "
            f"{child.get('classe', '')} (en tant que "
            f"{str(child.get('relation', 'représentant légal')).lower()})"
        )
    return lines + where_to_go(letter.account_kind, layout.link, layout.ent) + credentials(letter)


def write(pdf: FPDF, height: float, text: str, **options) -> None:
    pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT", **options)


def set_fonts(pdf: FPDF, font: str) -> tuple[str, callable]:
    """DejaVu (every name prints: « ł », « ğ »…) when the file is there; otherwise the core
    font, which knows Latin-1 only (a sign outside it prints « ? »)."""
    regular = Path(font) if font else None
    if regular and regular.is_file():
        bold = regular.with_name(regular.stem + "-Bold" + regular.suffix)
        pdf.add_font("Lettre", "", str(regular))
        pdf.add_font("Lettre", "B", str(bold if bold.is_file() else regular))
        return "Lettre", str
    log.warning("police Unicode introuvable (%s)\u00a0: courrier en Latin-1", font)
    return "Helvetica", latin1


def latin1(text: str) -> str:
    for sign, plain in {
        "’": "'",
        "œ": "oe",
        "Œ": "OE",
        "…": "...",
        "–": "-",
        "\u202f": " ",
    }.items():
        text = text.replace(sign, plain)
    return text.encode("latin-1", "replace").decode("latin-1")


def letter_pdf(letter: Letter, layout: Layout) -> bytes:
    return letters_pdf([letter], layout)


def letters_pdf(letters: list[Letter], layout: Layout, place: str = "") -> bytes:
    """One page a letter: the single letter of a ticket, or a school's letters for many accounts
    (`place`, the school, then heads each page)."""
    # Imported here: fpdf2 and fontTools take ≈ 22 Mio in every process that imports them, and
    # a letter is made a few times a day, by one process (bench/README.md, « Mémoire »).
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    family, text = set_fonts(pdf, layout.font)
    for letter in letters:
        pdf.add_page()
        pdf.set_font(family, size=9)
        write(pdf, 5, text("Un compte unique pour les services numériques des écoles et des "
                           "établissements"))  # fmt: skip
        dated = f"le {date_fr(letter.date)}" if letter.date else ""
        heading = ", ".join(part for part in (place, dated) if part)
        if heading:
            write(pdf, 5, text(heading[0].upper() + heading[1:]), align="R")
        pdf.ln(6)
        pdf.set_font(family, style="B", size=13)
        write(pdf, 7, text(letter.title))
        pdf.ln(4)
        pdf.set_font(family, size=11)
        write(pdf, 6, text(f"Bonjour {letter.first_name} {letter.last_name},"))
        for paragraph in paragraphs(letter, layout):
            pdf.ln(2)
            write(pdf, 6, text(paragraph))
        pdf.ln(8)
        write(
            pdf,
            6,
            text("La directrice ou le directeur d'école, la cheffe ou le chef d'établissement"),
        )
    return bytes(pdf.output())
