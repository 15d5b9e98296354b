"""Printable letters of « Informer » (guide 3.2, 5.2), as PDF, for the school to hand over."""

from __future__ import annotations

from typing import TYPE_CHECKING

from helpdesk.accounts.port import Letter

if TYPE_CHECKING:
    from fpdf import FPDF

REPLACEMENTS = {"’": "'", "œ": "oe", "Œ": "OE", "…": "...", "–": "-", "\u202f": " "}


def latin1(text: str) -> str:
    """The PDF core fonts speak Latin-1: French accents are in it, a few signs are not."""
    for sign, plain in REPLACEMENTS.items():
        text = text.replace(sign, plain)
    return text.encode("latin-1", "replace").decode("latin-1")


def paragraphs(letter: Letter) -> list[str]:
    if letter.kind == "compte_compromis":
        return [
            "Votre compte ÉduConnect présentant un risque de sécurité, votre mot de passe actuel a dû être modifié.",
            "Il vous est donc demandé de :",
            "- vérifier la sécurité des appareils par lesquels vous accédez à ÉduConnect (analyse antivirus complète) ;",
            "- ensuite, choisir un nouveau mot de passe différent pour ÉduConnect en cliquant sur le lien "
            "« Mot de passe oublié » de la page de connexion, ou vous adresser à l'école ou à l'établissement.",
        ]
    lines = [
        f"L'établissement {letter.establishment or letter.uai} vous informe que vous disposez d'un compte ÉduConnect.",
        "Ce compte unique est personnel. Il simplifie vos accès aux services numériques des écoles et des "
        "établissements. Vous le conserverez même en cas de changement d'établissement ou d'académie.",
    ]
    for child in letter.children:
        lines.append(
            f"- {child.get('first_name', '')} {child.get('last_name', '')}, {child.get('classe', '')} "
            f"(en tant que {str(child.get('relation', 'représentant légal')).lower()})"
        )
    lines.append(
        "Pour accéder à vos services, allez à l'adresse https://educonnect.education.gouv.fr."
    )
    if letter.has_provisional_password:
        lines += [
            "Indiquez sur la page de connexion ÉduConnect les identifiant et mot de passe ci-dessous pour activer votre compte :",
            f"Identifiant : {letter.identifier}",
            f"Mot de passe provisoire : {letter.provisional_password}",
            "Le mot de passe est à modifier lors de la première connexion.",
        ]
    else:
        lines.append(f"Votre identifiant : {letter.identifier}")
    return lines


def write(pdf: FPDF, height: float, text: str, **options) -> None:
    pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT", **options)


def letter_pdf(letter: Letter) -> bytes:
    # Imported here: fpdf2 and fontTools take ≈ 22 Mio in every process that imports them, and
    # a letter is made a few times a day, by one process (bench/README.md, « Mémoire »).
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    pdf.set_font("Helvetica", size=9)
    write(
        pdf,
        5,
        latin1("Un compte unique pour les services numériques des écoles et des établissements"),
    )
    if letter.date:
        write(pdf, 5, latin1(f"Le {letter.date}"), align="R")
    pdf.ln(6)
    pdf.set_font("Helvetica", style="B", size=13)
    write(pdf, 7, latin1(letter.title))
    pdf.ln(4)
    pdf.set_font("Helvetica", size=11)
    write(pdf, 6, latin1(f"Bonjour {letter.first_name} {letter.last_name},"))
    for paragraph in paragraphs(letter):
        pdf.ln(2)
        write(pdf, 6, latin1(paragraph))
    pdf.ln(8)
    write(
        pdf,
        6,
        latin1("La directrice ou le directeur d'école, la cheffe ou le chef d'établissement"),
    )
    return bytes(pdf.output())
