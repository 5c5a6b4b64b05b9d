"""The country brief as an editable Word document (python-docx): real headings, real tables and the
pillar chart as an image, so proposal writers can paste and edit."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor

from marc.brief import messages
from marc.brief_blocks import Block, blocks

RED, GREY = RGBColor(0xB0, 0x00, 0x20), RGBColor(0x5A, 0x5A, 0x5A)


def render_docx(facts: dict, lang: str = "en") -> bytes:
    """Render the facts of one brief to DOCX bytes."""
    m = messages(lang)
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(1.8)
    section.top_margin = section.bottom_margin = Cm(1.6)
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(10)
    doc.core_properties.title = m["title"].format(name=facts["meta"]["name"])
    doc.core_properties.author = "MARC"
    doc.core_properties.language = lang
    footer = section.footer.paragraphs[0]
    footer.text = f"MARC · {facts['meta']['name']} · {facts['meta']['year']} · framework {facts['meta']['framework']}"
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    width = section.page_width - section.left_margin - section.right_margin
    for block in blocks(facts, lang):
        _add(doc, block, width)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _add(doc, block: Block, width) -> None:
    if block.kind == "title":
        doc.add_heading(block.text, level=0)
    elif block.kind == "subtitle":
        doc.add_paragraph(block.text, style="Subtitle")
    elif block.kind == "h1":
        doc.add_heading(block.text, level=1)
    elif block.kind in ("p", "note", "flagged"):
        para = doc.add_paragraph()
        run = para.add_run(block.text)
        if block.kind != "p":
            run.font.size = Pt(8)
            run.font.color.rgb = RED if block.kind == "flagged" else GREY
    elif block.kind == "table":
        _table(doc, block, width)
    elif block.kind == "image":
        doc.add_picture(io.BytesIO(block.image), width=int(width * 0.9))
    else:  # pragma: no cover - a programming error, not user input
        raise ValueError(f"unknown block kind {block.kind}")


def _table(doc, block: Block, width) -> None:
    header = any(block.header)
    table = doc.add_table(rows=0, cols=len(block.rows[0] if block.rows else block.header))
    table.style = "Light Grid Accent 1"
    rows = ([block.header] if header else []) + block.rows
    total = sum(block.widths) or 1
    for r, values in enumerate(rows):
        cells = table.add_row().cells
        for c, value in enumerate(values):
            cells[c].text = str(value)
            if block.widths:
                cells[c].width = int(width * block.widths[c] / total)
            for para in cells[c].paragraphs:
                for run in para.runs:
                    run.font.size = Pt(8.5)
                    run.bold = header and r == 0
    doc.add_paragraph()
