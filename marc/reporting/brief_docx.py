"""The country brief as an editable Word document (python-docx): real headings, real tables and the
pillar chart as an image, so proposal writers can paste and edit."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor

from marc.core.i18n import t
from marc.reporting import brief_text as bt
from marc.reporting.brief_blocks import Block, blocks

RED, GREY = RGBColor(0xB0, 0x00, 0x20), RGBColor(0x5A, 0x5A, 0x5A)


def render_docx(facts: dict, lang: str = "en") -> bytes:
    """Render the facts of one brief to DOCX bytes."""
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(1.8)
    section.top_margin = section.bottom_margin = Cm(1.6)
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(10)
    doc.core_properties.title = t("title", lang, name=bt.country(facts, lang))
    doc.core_properties.author = "MARC"
    doc.core_properties.language = lang
    footer = section.footer.paragraphs[0]
    footer.text = bt.cite_line(facts, lang)
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
        doc.add_heading(block.text, level=1).paragraph_format.keep_with_next = True
    elif block.kind == "h2":
        doc.add_heading(block.text, level=2).paragraph_format.keep_with_next = True
    elif block.kind == "box":
        para = doc.add_paragraph()
        run = para.add_run(block.text)
        run.bold, run.font.size = True, Pt(9)
        _shade(para, "FFF3CD")
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


def _shade(para, fill: str) -> None:
    """A boxed, shaded paragraph (Word paragraph shading and border)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = para._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), "8")
        el.set(qn("w:color"), "B00020")
        el.set(qn("w:space"), "4")
        borders.append(el)
    ppr.append(borders)
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:fill"), fill)
    ppr.append(shd)


def _row_props(row, repeat: bool) -> None:
    """A row never splits across pages; the header row repeats on every page of a long table."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))
    if repeat:
        el = OxmlElement("w:tblHeader")
        el.set(qn("w:val"), "true")
        trpr.append(el)


def _table(doc, block: Block, width) -> None:
    header = any(block.header)
    table = doc.add_table(rows=0, cols=len(block.rows[0] if block.rows else block.header))
    table.style = "Light Grid Accent 1"
    rows = ([block.header] if header else []) + block.rows
    total = sum(block.widths) or 1
    for r, values in enumerate(rows):
        row = table.add_row()
        _row_props(row, repeat=header and r == 0)
        cells = row.cells
        for c, value in enumerate(values):
            cells[c].text = str(value)
            if block.widths:
                cells[c].width = int(width * block.widths[c] / total)
            for para in cells[c].paragraphs:
                for run in para.runs:
                    run.font.size = Pt(8.5)
                    run.bold = header and r == 0
    doc.add_paragraph()
