"""The country brief as PDF (fpdf2), with an embedded Unicode font (DejaVu Sans) so that names such
as "Côte d’Ivoire" and signs such as "≥" and "–" render."""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from marc.brief import messages
from marc.brief_blocks import Block, blocks
from marc.errors import MarcError

FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu")]
BLUE, GREY, RED = (31, 78, 121), (90, 90, 90), (176, 0, 32)


def font_paths() -> tuple[Path, Path]:
    """DejaVuSans regular and bold: the system font (apt fonts-dejavu-core), else matplotlib's copy."""
    dirs = list(FONT_DIRS)
    try:
        import matplotlib

        dirs.append(Path(matplotlib.get_data_path()) / "fonts" / "ttf")
    except ImportError:
        pass
    for d in dirs:
        regular, bold = d / "DejaVuSans.ttf", d / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            return regular, bold
    raise MarcError.single("fonts", "missing-font", "DejaVuSans.ttf not found; install fonts-dejavu-core "
                           "(apt-get install fonts-dejavu-core) or matplotlib")


class _Pdf(FPDF):
    page_label = "Page {page}"
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", size=7)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"{self.footer_text}   {self.page_label.format(page=self.page_no())}", align="R")


def _table(pdf: FPDF, block: Block) -> None:
    total = sum(block.widths) or len(block.header)
    widths = [w / total * pdf.epw for w in block.widths] if block.widths else None
    small = block.kind_hint == "small"
    pdf.set_font("DejaVu", size=6.8 if small else 8)
    pdf.set_text_color(0, 0, 0)
    header = any(block.header)
    with pdf.table(col_widths=widths, first_row_as_headings=header, line_height=3.4 if small else 4.2, padding=0.6 if small else 1,
                   headings_style=FontFace(emphasis="BOLD", fill_color=(222, 235, 247)),
                   borders_layout="HORIZONTAL_LINES", text_align="LEFT") as table:
        if header:
            table.row(block.header)
        for row in block.rows:
            table.row(row)
    pdf.ln(2)


def render_pdf(facts: dict, lang: str = "en") -> bytes:
    """Render the facts of one brief to PDF bytes."""
    regular, bold = font_paths()
    m = messages(lang)
    pdf = _Pdf(format="A4")
    pdf.page_label = m["page"]
    pdf.footer_text = f"MARC · {facts['meta']['name']} · {facts['meta']['year']} · framework {facts['meta']['framework']}"
    pdf.set_margins(15, 12, 15)
    pdf.set_auto_page_break(True, margin=14)
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_title(m["title"].format(name=facts["meta"]["name"]))
    pdf.set_author("MARC")
    pdf.set_lang(lang)
    pdf.add_page()
    for block in blocks(facts, lang):
        _draw(pdf, block)
    return bytes(pdf.output())


def _draw(pdf: FPDF, block: Block) -> None:
    if block.kind == "title":
        pdf.set_font("DejaVu", "B", 16)
        pdf.set_text_color(*BLUE)
        pdf.multi_cell(0, 8, block.text, new_x="LMARGIN", new_y="NEXT")
    elif block.kind == "subtitle":
        pdf.set_font("DejaVu", size=10)
        pdf.set_text_color(*GREY)
        pdf.multi_cell(0, 5, block.text, new_x="LMARGIN", new_y="NEXT")
    elif block.kind == "h1":
        if pdf.get_y() > pdf.h - 40:  # keep a heading with what follows
            pdf.add_page()
        pdf.ln(2)
        pdf.set_font("DejaVu", "B", 11.5)
        pdf.set_text_color(*BLUE)
        pdf.start_section(block.text)
        pdf.multi_cell(0, 6, block.text, new_x="LMARGIN", new_y="NEXT")
    elif block.kind in ("p", "note", "flagged"):
        pdf.set_font("DejaVu", size=9 if block.kind == "p" else 7)
        pdf.set_text_color(*(RED if block.kind == "flagged" else (0, 0, 0) if block.kind == "p" else GREY))
        pdf.multi_cell(0, 4.6 if block.kind == "p" else 3.3, block.text, new_x="LMARGIN", new_y="NEXT",
                       align="J" if block.kind == "p" else "L")
        pdf.ln(1 if block.kind == "p" else 0.5)
    elif block.kind == "table":
        _table(pdf, block)
    elif block.kind == "image":
        pdf.image(io.BytesIO(block.image), w=pdf.epw * 0.62)
    else:  # pragma: no cover - a programming error, not user input
        raise ValueError(f"unknown block kind {block.kind}")
