"""PDF of the schools' space (lists, letters for many accounts): fpdf2 with a Unicode font
when the system has DejaVu (Debian's fonts-dejavu-core), else the core font in Latin-1."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF, FontFace

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
REPLACEMENTS = {"’": "'", "œ": "oe", "Œ": "OE", "…": "...", "–": "-", "\u202f": " "}


class Document(FPDF):
    """An A4 document whose `text()` is safe for the font in use."""

    def __init__(self, orientation: str = "P"):
        super().__init__(orientation=orientation, format="A4")
        self.set_auto_page_break(auto=True, margin=15)
        self.unicode = (DEJAVU / "DejaVuSans.ttf").exists()
        if self.unicode:
            self.add_font("DejaVu", "", str(DEJAVU / "DejaVuSans.ttf"))
            self.add_font("DejaVu", "B", str(DEJAVU / "DejaVuSans-Bold.ttf"))
            self.family_name = "DejaVu"
        else:
            self.family_name = "Helvetica"

    def text_of(self, value: str) -> str:
        if self.unicode:
            return value
        for sign, plain in REPLACEMENTS.items():
            value = value.replace(sign, plain)
        return value.encode("latin-1", "replace").decode("latin-1")

    def font(self, size: float, bold: bool = False) -> None:
        self.set_font(self.family_name, "B" if bold else "", size)

    def line_of(self, height: float, value: str, **options) -> None:
        self.multi_cell(0, height, self.text_of(value), new_x="LMARGIN", new_y="NEXT", **options)


def table_pdf(title: str, subtitle: str, columns: tuple, rows: list[list[str]]) -> bytes:
    """A printable list: landscape, the header again on every page."""
    pdf = Document("L")
    pdf.set_title(pdf.text_of(title))
    pdf.add_page()
    pdf.font(13, bold=True)
    pdf.line_of(7, title)
    pdf.font(9)
    pdf.line_of(5, subtitle)
    pdf.ln(2)
    pdf.font(7)
    with pdf.table(
        headings_style=FontFace(emphasis="BOLD"),
        line_height=4,
        text_align="LEFT",
        repeat_headings=1,
        first_row_as_headings=True,
    ) as table:
        table.row([pdf.text_of(c) for c in columns])
        for values in rows:
            table.row([pdf.text_of(v) for v in values])
    return bytes(pdf.output())


def letters_pdf(letters: list, establishment: str, day: str) -> bytes:
    """The « feuilles individuelles » of « Informer » for many accounts: one page each.

    The words are those of the single letter (`helpdesk.tickets.letters.paragraphs`, one
    source for what a letter says); only the page layout is this document's.
    """
    from helpdesk.tickets.letters import paragraphs

    pdf = Document("P")
    pdf.set_margins(20, 20, 20)
    pdf.set_title(pdf.text_of(f"Courriers ÉduConnect - {establishment}"))
    for letter in letters:
        pdf.add_page()
        pdf.font(9)
        pdf.line_of(
            5, "Un compte unique pour les services numériques des écoles et des établissements"
        )
        pdf.line_of(5, f"{establishment}, le {day}", align="R")
        pdf.ln(6)
        pdf.font(13, bold=True)
        pdf.line_of(7, letter.title)
        pdf.ln(4)
        pdf.font(11)
        pdf.line_of(6, f"Bonjour {letter.first_name} {letter.last_name},")
        for paragraph in paragraphs(letter):
            pdf.ln(2)
            pdf.line_of(6, paragraph)
        pdf.ln(8)
        pdf.line_of(
            6, "La directrice ou le directeur d'école, la cheffe ou le chef d'établissement"
        )
    return bytes(pdf.output())
