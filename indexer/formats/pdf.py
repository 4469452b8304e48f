"""PDF with a text layer → paragraphs, one per line, as the text path reads them.

Why pdfplumber: in the lab (../shared/notes/ingest-formats.md) it was the only light library
that gives each glyph's position, size and colour *and* finds tables, and the rules below
rebuilt 41/41 paragraphs of three 公文 PDFs (reportlab CID, reportlab TTF, LibreOffice).

Rules, in order:
1. **Lines from glyphs**, grouped on the glyph *bottom* (±max(2, size/4)): grouping on the top
   split lines whose label was set smaller or whose quotes came from a Latin font. The text is
   rebuilt from the glyphs, not taken from pdfminer: a gap wider than half a character becomes
   U+3000 (the label gap 第一条　…, the 印发 line's two columns), the spaces pdfminer invents
   inside justified lines are not kept.
2. **Tables** (`page.find_tables()`) leave the text flow — otherwise wrapped cells interleave —
   and come back as one line per row at the row's position, cells joined by U+3000, so the
   rows stay in the clause where the table sits.
3. **Running headers and footers**: lines in the top or bottom 12% of a page that are a page
   number in any common form (— 2 —, -2-, 第2页, 2/5, 第2页 共5页), or that repeat, digits
   masked, on at least half the pages. They go to `artifacts`.
4. **Paragraphs from geometry** (L = left margin, R = right margin, fs = body size): a line
   starts a paragraph when it or the previous line is centred or right-aligned (headings,
   title, signature, date); when colour or size changes; after a gap of 1.8 sizes, or half a
   size more than the usual line gap (paragraph spacing); when it is indented 2 characters
   and the previous line ended short or with 。；： or the line opens a numbered clause; or
   when the previous line ended a sentence 1.5 characters or more before the margin
   (flush-left layouts). Anything else is a hard wrap and is joined — also across a page
   break, since the page's header and footer are gone by then. Consecutive centred lines of
   the same large size are one title.
5. **Radicals are characters**: some producers (Chromium/Skia, some Word fonts) map glyphs to
   Kangxi radicals (⼈ U+2F08 for 人, ⽂ for 文) or CJK radical supplements (⺠ for 民, ⻔ for 门)
   in their ToUnicode tables. They look right and match nothing — not 文件, not 月/日 in a date —
   so each becomes the ideograph it stands for (NFKC for Kangxi radicals and compatibility
   ideographs, a table for the supplement forms that are whole characters).
6. **No usable text**: fewer than 10 glyphs on every page is a scan (OCR needed); more than 10%
   `(cid:N)` or control glyphs is a text layer without a Unicode map (乱码). Scanned pages in an
   otherwise good file are named in a warning.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfplumber.utils.exceptions import PdfminerException

from indexer.formats import Extracted, FormatError
from indexer.text import web_address

# Lab rule (§4 of the notes): a page with fewer glyphs than this has no text layer.
MIN_PAGE_GLYPHS = 10
# Lab rule: a text layer whose glyphs are over 10% `(cid:N)`/control characters is unusable.
MAX_BAD_GLYPH_SHARE = 0.10
# GB/T 9704 puts the running header and page number within the top/bottom 37/35 mm of 297 mm;
# the lab's 12% of the page height (notes §2) catches them; only page-number-shaped or
# repeated lines in the band are dropped, so a body line reaching into it stays.
MARGIN_BAND = 0.12
GAP_AS_SPACE = 0.5          # a glyph gap over half the font size is a real space (U+3000)
PARAGRAPH_GAP_LINES = 1.8   # a vertical gap over 1.8 body sizes always separates paragraphs (lab)
# Layouts that space paragraphs instead of indenting them: a gap this much (× body size) over
# the usual gap between lines separates too. The fixture's line gap is 13 pt at 16 pt, its
# paragraph space 10 pt; half a size sits between.
EXTRA_GAP = 0.5
TITLE_SIZE_RATIO = 1.2      # larger than body by this much: a title line
BAD_GLYPH = re.compile(r"^\(cid:\d+\)$|^[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]$")
SENTENCE_END = re.compile(r"[。：；！？:;!?][”’」』）)》\"']*$")
CLAUSE_START = re.compile(r"^(?:第[一二三四五六七八九十百零〇\d]+[章节条款编]|[一二三四五六七八九十]+、"
                          r"|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、]|[①-⑳])")
# CJK Radicals Supplement forms that are whole characters (Unicode EquivalentUnifiedIdeograph).
RADICAL_SUPPLEMENT = dict(zip(
    "⺟⺠⺩⺝⺼⻁⻄⻅⻆⻉⻋⻑⻓⻔⻗⻘⻙⻚⻛⻜⻝⻡⻢⻣⻤⻥⻦⻧⻨⻩⻪⻬⻮⻰⻳",
    "母民王月月虎西见角贝车長长门雨青韦页风飞食首马骨鬼鱼鸟卤麦黄黾齐齿龙龟"))


def unify(char: str) -> str:
    """The ideograph a radical or compatibility glyph stands for; other characters as they are."""
    code = ord(char[0]) if char else 0
    if 0x2F00 <= code <= 0x2FDF or 0xF900 <= code <= 0xFAFF:
        return unicodedata.normalize("NFKC", char)
    return RADICAL_SUPPLEMENT.get(char, char)


@dataclass
class Line:
    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    red: bool
    text: str
    table: bool = False


@dataclass
class Page:
    number: int
    height: float
    width: float
    lines: list[Line]
    glyphs: int             # non-space glyphs, tables included
    bad: int                # (cid:N) and control glyphs
    images: bool            # the page shows a picture (a scanned page, when it has no text)


def read_pdf(path: Path) -> Extracted:
    """The paragraphs of a PDF's text layer; FormatError when it has none worth reading."""
    logging.getLogger("pdfminer").setLevel(logging.ERROR)   # font-descriptor chatter per glyph
    pages, url = _read_pages(path)
    warnings = _check_text_layer(pages)
    lines, artifacts = drop_running_lines(pages)
    if not any(not line.table for line in lines):
        raise FormatError("PDF 除页眉页脚和表格外没有正文，无法按条款收录；请确认是否选错了文件")
    layout = Layout.measure(lines, pages[0].width)
    return Extracted(text="\n".join(paragraphs(lines, layout)), artifacts=artifacts,
                     warnings=warnings, source_url=url)


def _read_pages(path: Path) -> tuple[list[Page], str | None]:
    try:
        with pdfplumber.open(path) as pdf:
            url = metadata_url(pdf.metadata)
            pages = []
            for page in pdf.pages:
                pages.append(_page(page))
                page.close()    # 233 MB → 38 MB on 300 pages in the lab
    except PdfminerException as error:    # pdfplumber wraps what pdfminer raised
        cause = error.args[0] if error.args else None
        if isinstance(cause, PDFPasswordIncorrect):
            raise FormatError("PDF 已加密（设有打开密码），无法读取；请用密码打开后另存为无密码的 PDF") from None
        if isinstance(cause, MemoryError):
            raise MemoryError from None     # the child reports the memory cap
        raise
    if not pages:
        raise FormatError("PDF 没有可读的页面（页面目录损坏），请重新下载或从原件重新导出")
    return pages, url


def metadata_url(info: dict) -> str | None:
    """A web address stated in the PDF's document information (URL, Subject …), if any."""
    for value in info.values():
        if isinstance(value, bytes):
            value = value.decode("latin-1", "replace")
        if isinstance(value, str) and web_address(value):
            return web_address(value)
    return None


def _page(page) -> Page:
    tables = page.find_tables()
    boxes = [table.bbox for table in tables]
    glyphs = [c for c in page.chars if not c["text"].isspace()]
    flowing = [c for c in glyphs if not any(_inside(c, box) for box in boxes)]
    lines = group_lines(page.page_number, flowing)
    lines += [row for table in tables for row in _table_rows(page.page_number, table)]
    lines.sort(key=lambda line: (line.top, line.x0))
    bad = sum(1 for c in glyphs if BAD_GLYPH.match(c["text"]))
    return Page(number=page.page_number, height=float(page.height), width=float(page.width),
                lines=lines, glyphs=len(glyphs), bad=bad, images=bool(page.images))


def _inside(char: dict, box: tuple) -> bool:
    x0, top, x1, bottom = box
    middle_x, middle_y = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
    return x0 <= middle_x <= x1 and top <= middle_y <= bottom


def is_red(colour) -> bool:
    """Red fill in RGB (1,0,0) or CMYK (0,1,1,0) form: the 文头 and its rule."""
    if not isinstance(colour, (tuple, list)):
        return False
    if len(colour) == 3:
        r, g, b = colour
        return r > 0.6 and g < 0.4 and b < 0.4
    if len(colour) == 4:
        c, m, y, k = colour
        return c < 0.3 and m > 0.6 and y > 0.6 and k < 0.4
    return False


def group_lines(page: int, glyphs: list[dict]) -> list[Line]:
    """Glyphs clustered into lines on their bottom edge, text rebuilt left to right."""
    clusters: list[list[dict]] = []
    for char in sorted(glyphs, key=lambda c: (c["bottom"], c["x0"])):
        if clusters:
            anchor = clusters[-1][0]
            if abs(char["bottom"] - anchor["bottom"]) <= max(2.0, anchor["size"] / 4):
                clusters[-1].append(char)
                continue
        clusters.append([char])
    return [_line(page, sorted(cluster, key=lambda c: c["x0"])) for cluster in clusters]


def _line(page: int, chars: list[dict]) -> Line:
    size = Counter(round(c["size"], 1) for c in chars).most_common(1)[0][0]
    text = unify(chars[0]["text"])
    for left, right in zip(chars, chars[1:]):
        if right["x0"] - left["x1"] > GAP_AS_SPACE * size:
            text += "\u3000"
        text += unify(right["text"])
    red = sum(is_red(c.get("non_stroking_color")) for c in chars) * 2 > len(chars)
    return Line(page=page, x0=chars[0]["x0"], x1=max(c["x1"] for c in chars),
                top=min(c["top"] for c in chars), bottom=max(c["bottom"] for c in chars),
                size=size, red=red, text=text)


def _table_rows(page: int, table) -> list[Line]:
    """One line per table row, cells joined by U+3000 (wrapped cell lines joined)."""
    rows = []
    for row, cells in zip(table.rows, table.extract()):
        texts = ["".join(map(unify, re.sub(r"\s*\n\s*", "", cell).strip())) for cell in cells if cell]
        texts = [text for text in texts if text]
        if texts:
            x0, top, x1, bottom = row.bbox
            rows.append(Line(page=page, x0=x0, x1=x1, top=top, bottom=bottom, size=0.0,
                             red=False, text="\u3000".join(texts), table=True))
    return rows


def _check_text_layer(pages: list[Page]) -> list[str]:
    """FormatError for a scan or an unmapped text layer; a warning naming scanned pages."""
    glyphs = sum(page.glyphs for page in pages)
    if all(page.glyphs < MIN_PAGE_GLYPHS for page in pages):
        raise FormatError("PDF 无文本层（扫描件或图片），无法收录；请先 OCR 生成文本层"
                          "（例如 ocrmypdf -l chi_sim 原文件.pdf 新文件.pdf）后再放入语料库")
    if sum(page.bad for page in pages) > MAX_BAD_GLYPH_SHARE * glyphs:
        raise FormatError("PDF 文本层不可用（字体缺少 Unicode 映射，提取出来是乱码）；"
                          "请从原件重新导出 PDF，或 OCR 后再放入语料库")
    scanned = [str(page.number) for page in pages if page.glyphs < MIN_PAGE_GLYPHS and page.images]
    if scanned:
        return [f"第 {'、'.join(scanned)} 页无文本层（扫描页），这些页的文字未收录；请 OCR 后重新放入"]
    return []


# --- running headers and footers ------------------------------------------------------------

DASHES = re.compile(r"[\s\-－—–‒―·•]+")
PAGE_NUMBER = re.compile(r"^(?:page)?第?\d{1,4}页?(?:(?:[/／]|of)\d{1,4}页?|共\d{1,4}页)?$"
                         r"|^共\d{1,4}页第\d{1,4}页$", re.IGNORECASE)


def is_page_number(text: str) -> bool:
    """— 2 —, -2-, 2, 第2页, 第 2 页 共 5 页, 2/5, Page 2 of 5."""
    return bool(PAGE_NUMBER.match(DASHES.sub("", text)))


def drop_running_lines(pages: list[Page]) -> tuple[list[Line], list[str]]:
    """Body lines of all pages in reading order, and the running lines removed."""
    def in_margin(line: Line, page: Page) -> bool:
        return not line.table and (line.bottom < MARGIN_BAND * page.height
                                   or line.top > (1 - MARGIN_BAND) * page.height)

    seen: dict[str, set[int]] = {}
    for page in pages:
        for line in page.lines:
            if in_margin(line, page):
                seen.setdefault(_masked(line.text), set()).add(page.number)
    repeats = max(2, (len(pages) + 1) // 2)
    kept, dropped = [], []
    for page in pages:
        for line in page.lines:
            running = in_margin(line, page) and (
                is_page_number(line.text) or len(seen[_masked(line.text)]) >= repeats)
            (dropped if running else kept).append(line)
    return kept, [line.text for line in dropped]


def _masked(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


# --- paragraphs -------------------------------------------------------------------------------

@dataclass
class Layout:
    """The body text block: left and right margins, body font size, page centre."""
    left: float
    right: float
    size: float
    line_gap: float = 0.0       # the most common gap between consecutive lines of a paragraph

    @classmethod
    def measure(cls, lines: list[Line], page_width: float) -> "Layout":
        body = [line for line in lines if not line.table]
        size = Counter(round(line.size) for line in body for _ in line.text).most_common(1)[0][0]
        normal = [line for line in body if abs(line.size - size) < 1]
        left = _shared_extreme([line.x0 for line in normal], min) or page_width * 0.15
        right = _shared_extreme([line.x1 for line in normal], max) or page_width * 0.85
        gaps = Counter(round(b.top - a.bottom) for a, b in zip(normal, normal[1:])
                       if a.page == b.page and b.top > a.bottom)
        line_gap = float(gaps.most_common(1)[0][0]) if gaps else PARAGRAPH_GAP_LINES * size
        return cls(left=left, right=right, size=float(size), line_gap=line_gap)

    def separated(self, line: Line, prev: Line) -> bool:
        """A vertical gap wider than between the lines of one paragraph."""
        gap = line.top - prev.bottom
        return line.page == prev.page and (gap > PARAGRAPH_GAP_LINES * self.size
                                           or gap > self.line_gap + EXTRA_GAP * self.size)

    @property
    def middle(self) -> float:
        return (self.left + self.right) / 2

    def centred(self, line: Line) -> bool:
        """Short on both sides and balanced (an indented full line is not centred)."""
        return (line.x0 > self.left + self.size and line.x1 < self.right - self.size
                and abs((line.x0 + line.x1) / 2 - self.middle) < self.size)

    def right_aligned(self, line: Line) -> bool:
        return line.x0 > self.middle and not self.centred(line)

    def indented(self, line: Line) -> bool:
        return self.left + 0.5 * self.size < line.x0 < self.left + 3.5 * self.size

    def short(self, line: Line) -> bool:
        return line.x1 < self.right - self.size

    def ends_early(self, line: Line) -> bool:
        """Ends more than 1.5 characters before the margin: a wrapped line never does (避头尾
        moves at most one character down), the last line of a paragraph usually does."""
        return line.x1 < self.right - 1.5 * self.size

    def title(self, line: Line) -> bool:
        return self.centred(line) and line.size > TITLE_SIZE_RATIO * self.size


def _shared_extreme(values: list[float], pick) -> float | None:
    """The smallest/largest position (to 2 pt) that at least two lines share."""
    counts = Counter(round(value / 2) * 2 for value in values)
    shared = [value for value, count in counts.items() if count >= 2]
    return pick(shared) if shared else None


def starts_paragraph(line: Line, prev: Line, layout: Layout) -> bool:
    """True when `line` opens a new paragraph after `prev` (rules in the module docstring)."""
    if line.table or prev.table:
        return True
    if layout.title(line) and layout.title(prev) and line.page == prev.page \
            and abs(line.size - prev.size) < 0.5 and line.red == prev.red:
        return False    # the second line of a title
    if any(test(l) for l in (line, prev) for test in (layout.centred, layout.right_aligned)):
        return True
    if line.red != prev.red or abs(line.size - prev.size) > 1.5:
        return True
    if layout.separated(line, prev):
        return True
    ended = bool(SENTENCE_END.search(prev.text))
    if layout.indented(line):
        return ended or layout.short(prev) or bool(CLAUSE_START.match(line.text))
    return ended and (layout.ends_early(prev) or bool(CLAUSE_START.match(line.text)))


def paragraphs(lines: list[Line], layout: Layout) -> list[str]:
    """Lines joined into paragraphs: hard wraps, page breaks and title lines joined."""
    texts: list[str] = []
    prev = None
    for line in lines:
        if prev is None or starts_paragraph(line, prev, layout):
            texts.append(line.text)
        else:
            texts[-1] = join_wrapped(texts[-1], line.text)
        prev = line
    return [text.strip() for text in texts if text.strip()]


def join_wrapped(left: str, right: str) -> str:
    """Wrapped lines joined: nothing between CJK, a space between two Latin words."""
    if left[-1:].isascii() and left[-1:].isalnum() and right[:1].isascii() and right[:1].isalnum():
        return f"{left} {right}"
    return left + right
