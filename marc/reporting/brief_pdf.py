"""The country brief as PDF (fpdf2), with an embedded Unicode font (DejaVu Sans) so that names such
as "Côte d’Ivoire" and signs such as "≥" and "–" render."""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from marc.core.errors import MarcError
from marc.core.i18n import t
from marc.reporting import brief_text as bt
from marc.reporting.brief_blocks import Block, blocks

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
    pdf = _Pdf(format="A4")
    pdf.page_label = t("page", lang, page="{page}")
    pdf.footer_text = bt.cite_line(facts, lang)
    pdf.set_margins(15, 12, 15)
    pdf.set_auto_page_break(True, margin=14)
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_title(t("title", lang, name=bt.country(facts, lang)))
    pdf.set_author("MARC")
    pdf.set_lang(lang)
    pdf.add_page()
    items = blocks(facts, lang)
    for i, block in enumerate(items):
        if block.kind in ("h1", "h2"):
            _keep_with_next(pdf, items[i + 1:])
        _draw(pdf, block)
    return bytes(pdf.output())


def _needed(pdf: FPDF, following: list[Block]) -> float:
    """Height (mm) that must follow a heading on its page: the next paragraph or the first rows of a table."""
    for block in following[:2]:
        if block.kind == "table":
            return 8 + 6 * min(3, len(block.rows))
        if block.kind == "image":
            return 60
        if block.kind in ("p", "note", "box", "flagged"):
            lines = max(1, len(block.text) // 110 + 1)
            return 8 + min(lines, 4) * 4.6
    return 20


def _keep_with_next(pdf: FPDF, following: list[Block]) -> None:
    """Start a new page when a heading and the start of what follows would not fit: no heading alone at a foot."""
    if pdf.get_y() + _needed(pdf, following) > pdf.h - pdf.b_margin:
        pdf.add_page()


def _draw(pdf: FPDF, block: Block) -> None:
    if block.kind == "title":
        pdf.set_font("DejaVu", "B", 16)
        pdf.set_text_color(*BLUE)
        pdf.multi_cell(0, 8, block.text, new_x="LMARGIN", new_y="NEXT")
    elif block.kind == "subtitle":
        pdf.set_font("DejaVu", size=10)
        pdf.set_text_color(*GREY)
        pdf.multi_cell(0, 5, block.text, new_x="LMARGIN", new_y="NEXT")
    elif block.kind == "h2":
        pdf.ln(1)
        pdf.set_font("DejaVu", "B", 9.5)
        pdf.set_text_color(*BLUE)
        pdf.multi_cell(0, 5, block.text, new_x="LMARGIN", new_y="NEXT")
    elif block.kind == "box":
        pdf.ln(1)
        pdf.set_font("DejaVu", "B", 8.5)
        pdf.set_text_color(0, 0, 0)
        pdf.set_fill_color(255, 243, 205)
        pdf.set_draw_color(*RED)
        lines = pdf.multi_cell(0, 4.4, block.text, padding=2, dry_run=True, output="LINES")
        if pdf.get_y() + 4.4 * len(lines) + 6 > pdf.h - pdf.b_margin:  # a box is never split across pages
            pdf.add_page()
        pdf.multi_cell(0, 4.4, block.text, border=1, fill=True, padding=2, new_x="LMARGIN", new_y="NEXT")
        pdf.set_fill_color(255, 255, 255)
        pdf.set_draw_color(0, 0, 0)
        pdf.ln(2)
    elif block.kind == "h1":
        pdf.ln(2)
        pdf.set_font("DejaVu", "B", 11.5)
        pdf.set_text_color(*BLUE)
        pdf.start_section(block.text)
        pdf.multi_cell(0, 6, block.text, new_x="LMARGIN", new_y="NEXT")
    elif block.kind in ("p", "note", "flagged"):
        pdf.set_font("DejaVu", size=9 if block.kind == "p" else 7)
        height = 4.6 if block.kind == "p" else 3.3
        lines = pdf.multi_cell(0, height, block.text, dry_run=True, output="LINES")
        if len(lines) <= 6 and pdf.get_y() + height * len(lines) > pdf.h - pdf.b_margin:
            pdf.add_page()  # a short paragraph or a source entry is never split across pages
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
