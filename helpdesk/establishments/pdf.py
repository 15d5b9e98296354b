"""PDF lists of the schools' space: fpdf2, with the letters' font (`set_fonts`: Unicode when the
font file of HELPDESK_LETTER_FONT is there, else the core font in Latin-1)."""

from __future__ import annotations

from fpdf import FPDF, FontFace

from helpdesk.establishments.letters import set_fonts


class Document(FPDF):
    """An A4 document whose `text()` is safe for the font in use."""

    def __init__(self, orientation: str, font: str):
        super().__init__(orientation=orientation, format="A4")
        self.set_auto_page_break(auto=True, margin=15)
        self.family_name, self.text_of = set_fonts(self, font)

    def font(self, size: float, bold: bool = False) -> None:
        self.set_font(self.family_name, "B" if bold else "", size)

    def line_of(self, height: float, value: str, **options) -> None:
        self.multi_cell(0, height, self.text_of(value), new_x="LMARGIN", new_y="NEXT", **options)


def table_pdf(title: str, subtitle: str, columns: tuple, rows: list[list[str]], font: str) -> bytes:
    """A printable list: landscape, the header again on every page."""
    pdf = Document("L", font)
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
