"""Word .docx → paragraphs, one per line, labels of automatic numbering included.

Rules:
* body paragraphs and tables in document order (content controls `w:sdt` opened); headers,
  footers, footnotes and comments are other parts and never read;
* a paragraph's text is its runs' `w:t` joined — a word split over several runs (a change
  of format, a spell-check mark) comes back whole; `w:tab` is U+3000; a soft line break
  `w:br` joins (a two-line title is one paragraph); deleted text (`w:delText`) and field
  codes (`w:instrText`) are not text, a field's shown result is;
* the label Word shows for automatic numbering (`numbering.label`) is put in front, so a
  numbered 第一条 reads exactly like a typed one;
* a table row is one line, cells joined by U+3000 (a cell's paragraphs joined), so the rows
  stay in the clause where the table sits;
* a text box (`w:txbxContent`, e.g. a 文头 drawn in a box) is read once: Word stores it twice,
  as DrawingML in `mc:Choice` and as VML in `mc:Fallback`, and only the first is kept.
"""
from __future__ import annotations

import re
from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError

from indexer.formats import Extracted, FormatError
from indexer.formats.numbering import W, Numbering, label, read_numbering

MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
URL = re.compile(r"^https?://\S+$")


def read_docx(path: Path) -> Extracted:
    """The paragraphs of a Word document's body, numbering labels rendered."""
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError):
        raise FormatError("不是可读的 .docx 文件（内容不完整或不是 Word 文档），"
                          "请用 Word 或 WPS 打开后重新另存为 .docx") from None
    numbering = read_numbering(_numbering_xml(document), document.styles.element)
    lines: list[str] = []
    for block in _blocks(document.element.body):
        if block.tag == W + "p":
            lines.extend(paragraph_lines(block, numbering))
        elif block.tag == W + "tbl":
            lines.extend(table_lines(block))
    warnings = [f"自动编号格式 {name} 未能识别，已按阿拉伯数字显示；请核对条款编号"
                for name in sorted(numbering.unknown_formats)]
    return Extracted(text="\n".join(line for line in lines if line.strip()),
                     warnings=warnings, source_url=_core_url(document))


def _numbering_xml(document):
    try:
        return document.part.part_related_by(RT.NUMBERING).element
    except KeyError:
        return None


def _core_url(document) -> str | None:
    properties = document.core_properties
    for value in (properties.identifier, properties.subject, properties.keywords):
        if value and URL.match(value.strip()):
            return value.strip()
    return None


def _blocks(container):
    """Paragraphs and tables of a body or cell, content controls opened."""
    for child in container.iterchildren():
        if child.tag == W + "sdt":
            content = child.find(W + "sdtContent")
            if content is not None:
                yield from _blocks(content)
        elif child.tag in (W + "p", W + "tbl"):
            yield child


def paragraph_lines(paragraph, numbering: Numbering) -> list[str]:
    """Text-box paragraphs inside this paragraph, then the paragraph itself with its label."""
    lines = []
    for box in paragraph.iter(W + "txbxContent"):
        if not _in_fallback(box, paragraph) and _owner(box, "p", W) is paragraph:
            for inner in _blocks(box):
                if inner.tag == W + "p":
                    lines.extend(paragraph_lines(inner, numbering))
    prefix = label(numbering, paragraph)
    text = own_text(paragraph)
    if text.strip():
        lines.append(prefix + text.strip())
    return lines


def own_text(paragraph) -> str:
    """The paragraph's own visible text: not its text boxes', not Fallback copies."""
    parts = []
    for node in paragraph.iter(W + "t", W + "tab", W + "br", W + "cr"):
        if _owner(node, "p", W) is not paragraph or _in_fallback(node, paragraph):
            continue
        if node.tag == W + "t":
            parts.append(node.text or "")
        elif node.tag == W + "tab":
            parts.append("\u3000")
    return "".join(parts)


def _owner(node, name: str, namespace: str):
    """The nearest ancestor of `node` with this tag."""
    parent = node.getparent()
    while parent is not None and parent.tag != namespace + name:
        parent = parent.getparent()
    return parent


def _in_fallback(node, stop) -> bool:
    parent = node.getparent()
    while parent is not None and parent is not stop:
        if parent.tag == MC + "Fallback":
            return True
        parent = parent.getparent()
    return False


def table_lines(table) -> list[str]:
    """One line per row: each cell's paragraphs joined, cells joined by U+3000."""
    lines = []
    for row in table.iter(W + "tr"):
        if _owner(row, "tbl", W) is not table:
            continue        # a nested table's rows are read as part of their cell
        cells = []
        for cell in row.iterchildren(W + "tc"):
            text = "".join(node.text or "" for node in cell.iter(W + "t")
                           if not _in_fallback(node, cell))
            if text.strip():
                cells.append(text.strip())
        if cells:
            lines.append("\u3000".join(cells))
    return lines
