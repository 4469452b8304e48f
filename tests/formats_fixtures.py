"""Test documents made at test time: one 公文 as .txt, as a PDF laid out like GB/T 9704, and as
a Word file whose 第X章/第X条/（X） labels are Word automatic numbering, plus the broken files.

The ground truth is `DOCUMENT`: a 科技部 cover notice publishing a 办法 with chapters, articles
numbered across chapters, items that restart in each article, and a table. `as_txt` types
the labels; `make_pdf` sets it in 16 pt STSong-Light (a CID font: no font file needed) on A4
with justified, hard-wrapped lines, a red 文头, a two-line title, a running header and page
numbers, a seal image over the signature, and page breaks that fall inside paragraphs (or in
the `SPACED` style: flush left, ragged, spaced paragraphs); `make_docx` leaves the labels to
Word's numbering and splits the text into runs; `WEB_LAYOUTS` are three site layouts of the
same text; `broken_files` writes every bad input. reportlab runs with
`rl_config.invariant = 1`, so the PDF bytes are the same on every run.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

FS = 16.0                       # body size, 3号
PAGE_W, PAGE_H = 595.28, 841.89  # A4
BODY_W = 28 * FS                # 28 characters a line
LEFT = (PAGE_W - BODY_W) / 2
TOP = 105.0                     # 37 mm
PITCH = 29.0                    # 22 lines in 225 mm
LINES_PER_PAGE = 15             # puts a page break inside 第三条（二）: 达到百|分之九十
NO_LINE_START = "，。、；：？！）》”〕％"
RUNNING_HEADER = "科学技术部政策文件"


@dataclass
class Block:
    kind: str                   # letterhead number title addressee body heading signature date
                                # pagebreak table cc printed
    text: str = ""
    label: str = ""             # typed label; Word numbering in the DOCX
    num: tuple[int, int] | None = None     # (numId, ilvl) in the DOCX
    rows: list[list[str]] = field(default_factory=list)

    def typed(self) -> str:
        if self.kind == "table":
            return "\n".join("\u3000".join(row) for row in self.rows)
        separator = "\u3000" if self.label.startswith("第") else ""
        return f"{self.label}{separator}{self.text}"


DOCUMENT = [
    Block("letterhead", "中华人民共和国科学技术部文件"),
    Block("number", "国科发基〔2023〕35号"),
    Block("title", "科技部关于印发《科研数据共享管理办法》的通知"),
    Block("addressee", "各省、自治区、直辖市及计划单列市科技厅（委、局），新疆生产建设兵团科技局，各有关单位："),
    Block("body", "为规范科研数据共享，推动科研数据开放利用，提升科技创新能力，我部研究制定了"
                  "《科研数据共享管理办法》，现印发给你们，请结合实际认真贯彻执行。"),
    Block("signature", "科技部"),
    Block("date", "2023年6月8日"),
    Block("pagebreak"),
    Block("title", "科研数据共享管理办法"),
    Block("heading", "总则", "第一章", (1, 0)),
    Block("body", "为加强和规范科研数据管理，保障科研数据安全，提高科研数据开放共享水平，更好支撑"
                  "国家科技创新、经济社会发展和国家安全，根据有关法律法规，制定本办法。", "第一条", (1, 1)),
    Block("body", "本办法所称科研数据，是指在自然科学、工程技术科学等领域，通过基础研究、应用研究、"
                  "试验开发等产生的原始数据，以及按照不同需求系统加工整理的各类数据。", "第二条", (1, 1)),
    Block("heading", "职责分工", "第二章", (1, 0)),
    Block("body", "科研数据管理实行统一领导、分级负责，各部门主要职责包括：", "第三条", (1, 1)),
    Block("body", "制定科研数据管理政策和标准规范，统筹协调重大事项；", "（一）", (1, 2)),
    Block("body", "建立科研数据共享平台，推动数据目录覆盖率达到百分之九十以上，并定期更新发布；",
          "（二）", (1, 2)),
    Block("body", "组织开展科研数据管理评估和监督检查。", "（三）", (1, 2)),
    Block("body", "各类科研数据的共享方式和共享期限按照下表执行。", "第四条", (1, 1)),
    Block("table", rows=[["数据类别", "共享方式", "共享期限"],
                         ["基础数据", "无条件共享（通过国家科学数据中心平台）", "长期"],
                         ["专题数据", "有条件共享", "五年"]]),
    Block("heading", "附则", "第三章", (1, 0)),
    Block("body", "有下列情形之一的科研数据，经主管部门同意后可以暂缓共享，暂缓期限一般不超过两年：",
          "第五条", (1, 1)),
    Block("body", "涉及国家秘密、国家安全和社会公共利益的；", "（一）", (1, 2)),
    Block("body", "权利人书面申明不宜有条件共享，并经主管部门核准的。", "（二）", (1, 2)),
    Block("body", "本办法自印发之日起施行，由科技部负责解释。", "第六条", (1, 1)),
    Block("cc", "抄送：国务院办公厅，国家发展改革委，财政部，各有关部门。"),
    Block("printed", "科技部办公厅\u3000\u30002023年6月9日印发"),
]


def as_txt(document: list[Block] = DOCUMENT) -> str:
    """The document as a typed text file: one paragraph per line, labels typed."""
    return "\n".join(block.typed() for block in document if block.kind != "pagebreak") + "\n"


def write_txt(folder: Path, name: str = "办法.txt") -> Path:
    path = Path(folder) / name
    path.write_text(as_txt(), encoding="utf-8")
    return path


# --- PDF -------------------------------------------------------------------------------------

PAGE_NUMBER_FORMS = {"dash": "— {n} —", "hyphen": "-{n}-", "page": "第{n}页", "fraction": "{n}/{total}"}


@dataclass
class Placed:
    """One thing drawn on a page: a text line or a table, at a line slot."""
    slot: float                 # line slots from the top of the body (titles take more)
    x: float
    text: str = ""
    size: float = FS
    red: bool = False
    justify: float = 0.0        # width to stretch the line to (0: natural width)
    rows: list[list[str]] = field(default_factory=list)
    paragraph: int = -1         # index of the block the line belongs to


def _width(text: str, size: float) -> float:
    from reportlab.pdfbase import pdfmetrics
    return pdfmetrics.stringWidth(text, "STSong-Light", size)


def break_lines(text: str, width: float, first_indent: float, size: float = FS) -> list[str]:
    """Greedy line breaking by width with 避头尾: no line starts with closing punctuation."""
    lines, current, limit = [], "", width - first_indent
    for char in text:
        if current and _width(current + char, size) > limit:
            if char in NO_LINE_START:
                char, current = current[-1] + char, current[:-1]
            lines.append(current)
            current, limit = "", width
        current += char
    return lines + [current]


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))


@dataclass
class Style:
    """How body paragraphs are set: GB/T 9704 (indented, justified) or the other common way
    (flush left, ragged right, space between paragraphs)."""
    indent: bool = True
    justify: bool = True
    space: float = 0.0          # extra line slots after a body paragraph


GBT = Style()
SPACED = Style(indent=False, justify=False, space=10 / PITCH)


def layout(document: list[Block] = DOCUMENT, lines_per_page: int = LINES_PER_PAGE,
           style: Style = GBT) -> list[list[Placed]]:
    """The document's pages: what goes on each line slot."""
    _register_font()
    pages: list[list[Placed]] = [[]]
    slot = 0.0

    def place(item: Placed, height: float = 1.0) -> None:
        nonlocal slot
        if slot + height > lines_per_page:
            pages.append([])
            slot = 0.0
        item.slot = slot
        pages[-1].append(item)
        slot += height

    for index, block in enumerate(document):
        if block.kind == "pagebreak":
            pages.append([])
            slot = 0.0
        elif block.kind == "table":
            place(Placed(0, LEFT, rows=block.rows, paragraph=index), 2.2 * len(block.rows))
        else:
            placed = _block_lines(block, index, style)
            if block.kind in ("body", "addressee"):
                last, height = placed[-1]
                placed[-1] = (last, height + style.space)
            for item, height in placed:
                place(item, height)
    return pages


def _block_lines(block: Block, index: int, style: Style = GBT) -> list[tuple[Placed, float]]:
    text = block.typed()
    if block.kind == "letterhead":
        return [(Placed(0, _centre(text, 28), text, 28, red=True, paragraph=index), 2.5)]
    if block.kind == "title":
        return [(Placed(0, _centre(line, 22), line, 22, paragraph=index), 1.5)
                for line in break_lines(text, 18 * 22, 0, 22)]
    if block.kind in ("number", "heading"):
        return [(Placed(0, _centre(text, FS), text, paragraph=index), 1.0)]
    if block.kind in ("signature", "date"):
        return [(Placed(0, LEFT + BODY_W - 4 * FS - _width(text, FS), text, paragraph=index), 1.0)]
    if block.kind == "printed":
        left, right = text.split("\u3000\u3000")
        return [(Placed(0, LEFT + FS, left, paragraph=index), 0.0),
                (Placed(0, LEFT + BODY_W - FS - _width(right, FS), right, paragraph=index), 1.0)]
    indent = 2 * FS if block.kind == "body" and style.indent else 0.0
    hanging = 3 * FS if block.kind == "cc" else 0.0
    lines = break_lines(text, BODY_W - hanging, indent - hanging)
    placed = []
    for number, line in enumerate(lines):
        x = LEFT + (indent if number == 0 else hanging)
        last = number == len(lines) - 1
        stretch = LEFT + BODY_W - x if style.justify and not last else 0.0
        placed.append((Placed(0, x, line, justify=stretch, paragraph=index), 1.0))
    return placed


def _centre(text: str, size: float) -> float:
    return (PAGE_W - _width(text, size)) / 2


def make_pdf(path: Path, number_form: str = "dash", document: list[Block] = DOCUMENT,
             lines_per_page: int = LINES_PER_PAGE, metadata_url: str | None = None,
             scanned_pages: int = 0, encrypt=None, style: Style = GBT) -> Path:
    """The document as a text-layer PDF (deterministic bytes), optionally followed by
    image-only pages (a partly scanned file) or encrypted (a reportlab StandardEncryption)."""
    from reportlab import rl_config
    from reportlab.pdfgen import canvas
    rl_config.invariant = 1
    pages = layout(document, lines_per_page, style) if document else []
    pdf = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H), encrypt=encrypt)
    if metadata_url:
        pdf.setSubject(metadata_url)
    for number, page in enumerate(pages, 1):
        if number > 1:
            _draw_text(pdf, RUNNING_HEADER, _centre(RUNNING_HEADER, 12), PAGE_H - 60, 12)
        for item in page:
            _draw(pdf, item)
            if item.paragraph >= 0 and document[item.paragraph].kind == "signature":
                pdf.drawImage(_seal_image(), item.x - 20, _baseline(item.slot) - 40, 90, 90,
                              mask="auto")      # a red seal over the signature, as printed
        folio = PAGE_NUMBER_FORMS[number_form].format(n=number, total=len(pages))
        x = LEFT + BODY_W - _width(folio, 14) if number % 2 else LEFT
        _draw_text(pdf, folio, x, 50, 14)
        pdf.showPage()
    for _ in range(scanned_pages):
        pdf.drawImage(_scan_image(), LEFT, 200, width=BODY_W, height=400)
        pdf.showPage()
    pdf.save()
    return Path(path)


def _seal_image():
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    image = Image.new("RGBA", (90, 90), (255, 255, 255, 0))
    ImageDraw.Draw(image).ellipse([2, 2, 88, 88], outline=(220, 0, 0, 255), width=5)
    return ImageReader(image)


def _scan_image():
    """A grey page picture with dark 'text' bars: what a scanner produces, minus the text."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    image = Image.new("L", (300, 400), 235)
    draw = ImageDraw.Draw(image)
    for row in range(20, 380, 18):
        draw.rectangle([20, row, 280, row + 8], fill=40)
    return ImageReader(image)


def _baseline(slot: float) -> float:
    return PAGE_H - TOP - (slot + 1) * PITCH + 8


def _draw(pdf, item: Placed) -> None:
    if item.rows:
        _draw_table(pdf, item)
        return
    spacing = 0.0
    if item.justify and len(item.text) > 1:
        spacing = (item.justify - _width(item.text, item.size)) / (len(item.text) - 1)
    _draw_text(pdf, item.text, item.x, _baseline(item.slot), item.size, item.red, spacing)
    if item.red:
        pdf.setStrokeColorRGB(1, 0, 0)
        pdf.line(LEFT, _baseline(item.slot) - 24, LEFT + BODY_W, _baseline(item.slot) - 24)
        pdf.setStrokeColorRGB(0, 0, 0)


def _draw_text(pdf, text: str, x: float, y: float, size: float, red: bool = False,
               spacing: float = 0.0) -> None:
    obj = pdf.beginText(x, y)
    obj.setFont("STSong-Light", size)
    obj.setCharSpace(spacing)
    if red:
        obj.setFillColorRGB(1, 0, 0)
    obj.textOut(text)
    pdf.drawText(obj)


def _draw_table(pdf, item: Placed) -> None:
    widths = [5 * FS, 17 * FS, 6 * FS]
    size, row_h = 14.0, 2.2 * PITCH
    top = _baseline(item.slot) + PITCH - 8
    for r, row in enumerate(item.rows):
        y = top - r * row_h
        x = LEFT
        for width, cell in zip(widths, row):
            pdf.rect(x, y - row_h, width, row_h)
            cell_lines = break_lines(cell, width - 8, 0, size)
            for k, line in enumerate(cell_lines):
                _draw_text(pdf, line, x + 4, y - 20 - k * 18, size)
            x += width


# --- DOCX ------------------------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NUMBERING = f"""
<w:abstractNum xmlns:w="{W_NS}" w:abstractNumId="10">
  <w:multiLevelType w:val="multilevel"/>
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>
    <w:pStyle w:val="ChapterHeading"/><w:suff w:val="space"/><w:lvlText w:val="第%1章"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCountingThousand"/>
    <w:lvlRestart w:val="0"/><w:lvlText w:val="第%2条"/></w:lvl>
  <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>
    <w:suff w:val="nothing"/><w:lvlText w:val="（%3）"/></w:lvl>
</w:abstractNum>"""
NUM = f'<w:num xmlns:w="{W_NS}" w:numId="1"><w:abstractNumId w:val="10"/></w:num>'
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
TEXT_BOX = f"""
<w:r xmlns:w="{W_NS}" xmlns:mc="{MC_NS}"
     xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
     xmlns:v="urn:schemas-microsoft-com:vml">
  <mc:AlternateContent>
    <mc:Choice Requires="wps"><w:drawing><wps:wsp><wps:txbx><w:txbxContent>
      <w:p><w:r><w:t>{{text}}</w:t></w:r></w:p>
    </w:txbxContent></wps:txbx></wps:wsp></w:drawing></mc:Choice>
    <mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>
      <w:p><w:r><w:t>{{text}}</w:t></w:r></w:p>
    </w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>
  </mc:AlternateContent>
</w:r>"""


def add_numbering(document, abstract_xml: str = NUMBERING, nums_xml: str = NUM) -> None:
    """Add abstractNum definitions (before the first w:num, as the schema orders them) and nums."""
    from docx.oxml import parse_xml
    numbering = document.part.numbering_part.element
    first_num = numbering.find(f"{{{W_NS}}}num")
    for abstract in parse_xml(f'<w:x xmlns:w="{W_NS}">{abstract_xml}</w:x>'):
        if first_num is not None:
            first_num.addprevious(abstract)
        else:
            numbering.append(abstract)
    for num in parse_xml(f'<w:x xmlns:w="{W_NS}">{nums_xml}</w:x>'):
        numbering.append(num)


def number_paragraph(paragraph, num_id: int, ilvl: int) -> None:
    from docx.oxml import parse_xml
    p_pr = paragraph._p.get_or_add_pPr()
    p_pr.append(parse_xml(f'<w:numPr xmlns:w="{W_NS}"><w:ilvl w:val="{ilvl}"/>'
                          f'<w:numId w:val="{num_id}"/></w:numPr>'))


def _chapter_style(document):
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import parse_xml
    style = document.styles.add_style("ChapterHeading", WD_STYLE_TYPE.PARAGRAPH)
    style.element.get_or_add_pPr().append(parse_xml(
        f'<w:numPr xmlns:w="{W_NS}"><w:numId w:val="1"/></w:numPr>'))
    return style


def add_runs(paragraph, text: str, run_length: int = 5) -> None:
    """The text in runs of a few characters, alternately bold: a word split across runs."""
    for start in range(0, len(text), run_length):
        paragraph.add_run(text[start:start + run_length]).bold = (start // run_length) % 2 == 1


def make_docx(path: Path, document: list[Block] = DOCUMENT, text_box_letterhead: bool = False) -> Path:
    """The document as Word would save it with automatic numbering: labels are not in the text."""
    import docx
    from docx.oxml import parse_xml
    word = docx.Document()
    add_numbering(word)
    chapter = _chapter_style(word)
    section = word.sections[0]
    section.header.paragraphs[0].text = RUNNING_HEADER
    footer = section.footer.paragraphs[0]
    footer.add_run("— ")
    footer._p.append(parse_xml(f'<w:fldSimple xmlns:w="{W_NS}" w:instr="PAGE">'
                               f'<w:r><w:t>1</w:t></w:r></w:fldSimple>'))
    footer.add_run(" —")
    for block in document:
        if block.kind == "pagebreak":
            word.add_page_break()
        elif block.kind == "table":
            table = word.add_table(rows=len(block.rows), cols=len(block.rows[0]))
            for r, row in enumerate(block.rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
        elif block.kind == "letterhead" and text_box_letterhead:
            word.add_paragraph()._p.append(parse_xml(TEXT_BOX.replace("{text}", block.text)))
        else:
            _add_block(word, block, chapter)
    word.save(str(path))
    return Path(path)


def _add_block(word, block: Block, chapter) -> None:
    from docx.oxml import parse_xml
    from docx.shared import RGBColor
    if block.kind == "heading":
        paragraph = word.add_paragraph(style=chapter)
    else:
        paragraph = word.add_paragraph()
    if block.num and block.kind != "heading":
        number_paragraph(paragraph, *block.num)
    if block.kind == "title" and len(block.text) > 18:      # Word's two-line title: a soft break
        add_runs(paragraph, block.text[:18])
        paragraph.add_run()._r.append(parse_xml(f'<w:br xmlns:w="{W_NS}"/>'))
        add_runs(paragraph, block.text[18:])
    elif block.kind == "printed":
        left, right = block.text.split("\u3000\u3000")
        paragraph.add_run(left).add_tab()
        paragraph.add_run(right)
    else:
        add_runs(paragraph, block.text if block.num else block.typed())
    if block.kind == "letterhead":
        for run in paragraph.runs:
            run.font.color.rgb = RGBColor(0xFF, 0, 0)


# --- broken and hostile files ------------------------------------------------------------------

def raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF file from numbered object bodies (1 0 obj … endobj), with a correct xref table."""
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def circular_pdf() -> bytes:
    """A page tree whose /Kids point back at itself."""
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                    b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"])


def flate_bomb_pdf(inflated_mb: int) -> bytes:
    """One page whose content stream inflates to `inflated_mb` MB of zeros (~1000:1)."""
    import zlib
    packer = zlib.compressobj(9)
    chunk = b"\0" * 2**20
    stream = b"".join(packer.compress(chunk) for _ in range(inflated_mb)) + packer.flush()
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                    b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream
                    + b"\nendstream"])


def docx_bomb(path: Path, inflated_mb: int = 4) -> Path:
    """A .docx whose document.xml is mostly spaces: tiny on disk, inflating ~1000×."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", " " * (inflated_mb * 2**20))
    return Path(path)


def ole_file(stream_name: str) -> bytes:
    """The start of an OLE compound file naming one stream (legacy .doc or encrypted OOXML)."""
    header = bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504
    return header + stream_name.encode("utf-16-le") + b"\0" * 1024


def broken_files(folder: Path) -> dict[str, str]:
    """Write every bad input into `folder`; file name → a phrase its warning must contain."""
    from reportlab.lib.pdfencrypt import StandardEncryption
    folder = Path(folder)
    make_pdf(folder / "扫描件.pdf", document=[], scanned_pages=2)
    make_pdf(folder / "加密.pdf", encrypt=StandardEncryption("secret", "owner"))
    good = make_pdf(folder / "tmp.pdf").read_bytes()
    (folder / "tmp.pdf").unlink()
    (folder / "截断.pdf").write_bytes(good[: len(good) // 2])
    (folder / "网页.pdf").write_text("<!DOCTYPE html><html><body>登录</body></html>", encoding="utf-8")
    (folder / "空.pdf").write_bytes(b"")
    (folder / "乱码.pdf").write_bytes(bytes(range(256)) * 8)
    (folder / "循环.pdf").write_bytes(circular_pdf())
    docx_bomb(folder / "炸弹.docx")
    (folder / "旧版.docx").write_bytes(ole_file("WordDocument"))
    (folder / "加密.docx").write_bytes(ole_file("EncryptedPackage"))
    good_docx = make_docx(folder / "tmp.docx").read_bytes()
    (folder / "tmp.docx").unlink()
    (folder / "截断.docx").write_bytes(good_docx[: len(good_docx) // 2])
    (folder / "旧文档.doc").write_bytes(ole_file("WordDocument"))
    (folder / "文字.wps").write_bytes(ole_file("WordDocument"))
    (folder / "版式.ofd").write_bytes(b"PK\x03\x04")
    return {"扫描件.pdf": "OCR", "加密.pdf": "密码", "截断.pdf": "损坏", "网页.pdf": "网页",
            "空.pdf": "空文件", "乱码.pdf": "损坏", "循环.pdf": "没有可读的页面",
            "炸弹.docx": "压缩炸弹", "旧版.docx": "另存为 .docx", "加密.docx": "密码",
            "截断.docx": "损坏", "旧文档.doc": "另存为 .docx", "文字.wps": "另存为 .docx",
            "版式.ofd": "导出为 PDF"}


# --- web pages -------------------------------------------------------------------------------

ATTACHMENT_LINE = "附件：科研数据共享管理办法"
WEB_KINDS = ("addressee", "body", "signature", "date", "heading", "table")


def web_paragraphs(document: list[Block] = DOCUMENT) -> list[str]:
    """What a ministry page shows as the document: no 文头, 文号 line or 版记; the 办法 title
    and an attachment line after the notice."""
    lines: list[str] = []
    titles = 0
    for block in document:
        if block.kind == "title":
            titles += 1
            if titles == 2:
                lines.append(block.typed())
        elif block.kind in WEB_KINDS:
            lines.extend(block.typed().split("\n"))
        if block.kind == "body" and not block.label and titles == 1:
            lines.append(ATTACHMENT_LINE)
    return lines


def _content_html(attachment_href: str) -> str:
    parts = []
    for line in web_paragraphs():
        if line == ATTACHMENT_LINE:
            parts.append(f'<p>附件：<a href="{attachment_href}">科研数据共享管理办法</a></p>')
        elif "\u3000" in line and not line.startswith("第"):
            cells = "".join(f"<td>{cell}</td>" for cell in line.split("\u3000"))
            parts.append(f"<table border=1><tr>{cells}</tr></table>")
        else:
            parts.append(f"<p>{line}</p>")
    return "\n".join(parts)


NOTICE_TITLE = "科技部关于印发《科研数据共享管理办法》的通知"
RELATED = ["科技部关于开展2023年度国家重点研发计划项目申报工作的通知",
           "科技部办公厅关于公布第二批科研数据中心试点名单的通知",
           "关于进一步加强科研诚信建设的若干意见"]


def page_table_layout() -> str:
    """An older portal: table layout, metadata table, actions above and below the text."""
    related = "".join(f'<li><a href="/zhengce/{n}.htm">{t}</a></li>' for n, t in enumerate(RELATED))
    return f"""<!DOCTYPE html>
<!-- saved from url=(0061)https://www.gov.cn/zhengce/zhengceku/2023-06/12/content_35.htm -->
<html><head><meta charset="utf-8"><title>{NOTICE_TITLE}_国务院部门文件_中国政府网</title></head>
<body>
<div class="hd"><a href="/">首页</a> | <a href="/zhengce/">政策</a> | <a href="/hudong/">互动</a> | <a href="/fuwu/">服务</a></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zhengce/">政策</a> &gt; <a href="/zhengce/bm/">国务院部门文件</a></div>
<table class="bd1">
<tr><td>索 引 号：</td><td>000014349/2023-00035</td><td>主题分类：</td><td>科技、教育\\科技</td></tr>
<tr><td>发文机关：</td><td>科技部</td><td>成文日期：</td><td>2023年06月08日</td></tr>
<tr><td>标　　题：</td><td>{NOTICE_TITLE}</td></tr>
<tr><td>发文字号：</td><td>国科发基〔2023〕35号</td><td>发布日期：</td><td>2023年06月12日</td></tr>
</table>
<table width="100%">
<tr><td><div>2023-06-12 10:00 来源：科技部网站
  <span>【字体：<a href="javascript:void(0)" onclick="doZoom(18)">大</a> <a href="javascript:void(0)" onclick="doZoom(16)">中</a> <a href="javascript:void(0)" onclick="doZoom(14)">小</a>】</span>
  <a href="javascript:window.print()">打印</a></div>
  <div>分享到：<a href="http://service.weibo.com/share/share.php">微博</a> <a href="#">微信</a></div></td></tr>
<tr><td id="UCAP-CONTENT">
{_content_html("/files/2023/P020230612.pdf")}
</td></tr>
<tr><td><a href="javascript:window.print()">【我要打印】</a> <a href="javascript:window.close()">【关闭窗口】</a></td></tr>
</table>
<div><div>相关稿件</div><ul>{related}</ul></div>
<div>主办单位：国务院办公厅　运行维护单位：中国政府网运行中心<br>版权所有：中国政府网　中文域名：中国政府网.政务<br>京ICP备05070218号</div>
</body></html>"""


def page_div_layout() -> str:
    """A ministry site: div layout, <dl> metadata, tools bar, share bar, previous/next links."""
    menu = "".join(f'<li><a href="/m{n}/">{t}</a></li>' for n, t in
                   enumerate(["法律法规", "部门规章", "规范性文件", "政策解读", "科技统计", "通知公告"]))
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<link rel="canonical" href="https://www.most.gov.cn/xxgk/fgzc/gfxwj/202306/t20230612_35.html">
<title>{NOTICE_TITLE}--中华人民共和国科学技术部</title></head>
<body>
<div id="top"><div><a href="/">首页</a><a href="/jgsz/">机构</a><a href="/kjbgz/">新闻</a><a href="/xxgk/">信息公开</a><a href="/fw/">服务</a></div>
<div><input type="text"><a href="/search/">搜索</a></div></div>
<div class="location">您现在的位置：<a href="/">首页</a> &gt; <a href="/xxgk/">信息公开</a> &gt; <a href="/xxgk/fgzc/">科技政策</a></div>
<div class="wrap">
 <div class="left"><ul>{menu}</ul></div>
 <div class="main">
  <dl><dt>发文机关：</dt><dd>科技部</dd><dt>发文字号：</dt><dd>国科发基〔2023〕35号</dd>
      <dt>成文日期：</dt><dd>2023-06-08</dd><dt>主题分类：</dt><dd>科技</dd></dl>
  <h1>{NOTICE_TITLE}</h1>
  <div class="tools"><span>发布时间：2023-06-12</span>
   <span>字号：<a href="javascript:;" onclick="setSize(18)">大</a><a href="javascript:;" onclick="setSize(16)">中</a><a href="javascript:;" onclick="setSize(14)">小</a></span>
   <a href="#" onclick="window.print()">打印本页</a><a href="javascript:window.close()">关闭窗口</a></div>
  <div class="article-body">
{_content_html("P020230612_1.docx")}
  </div>
  <div class="bdsharebuttonbox">分享到：<a href="#" class="bds_weixin">微信</a><a href="#">新浪微博</a><a href="#">QQ空间</a></div>
  <div class="prev-next"><p>上一篇：<a href="t1.html">{RELATED[0]}</a></p><p>下一篇：<a href="t2.html">{RELATED[1]}</a></p></div>
 </div>
</div>
<div id="bottom"><p>版权所有：中华人民共和国科学技术部　地址：北京市海淀区复兴路乙15号　邮编：100862</p>
<p><a href="/map/">网站地图</a> | <a href="/lxwm/">联系我们</a></p><p>京ICP备05022684号</p></div>
</body></html>"""


def page_flat_layout() -> str:
    """A provincial site: no classes, the text's paragraphs side by side with the chrome in
    one container, a th/td metadata table, an extra attachment outside the text."""
    related = "".join(f'<p><a href="/art/{n}.html">{t}</a></p>' for n, t in enumerate(RELATED))
    return f"""<html><head><meta charset="gbk">
<meta property="og:url" content="https://kjt.example.gov.cn/art/2023/6/12/art_35.html">
<title>{NOTICE_TITLE}</title></head>
<body>
<div><a href="/">网站首页</a> <a href="/col/1">政务公开</a> <a href="/col/2">政策文件</a> <a href="/col/3">互动交流</a></div>
<div>
 <table><tr><th>发文机关</th><td>科技部</td><th>发文字号</th><td>国科发基〔2023〕35号</td></tr>
        <tr><th>成文日期</th><td>2023年6月8日</td><th>发布日期</th><td>2023年6月12日</td></tr></table>
 <h2>{NOTICE_TITLE}</h2>
 <div><span>浏览次数：1024</span> <span onclick="fontZoom(16)">A+</span> <span onclick="fontZoom(12)">A-</span>
 <a href="javascript:printit()">打印</a> <a href="javascript:self.close()">关闭</a></div>
{_content_html("/attach/0/35-1.pdf")}
 <div>相关链接</div>
 {related}
</div>
<div><a href="/attach/0/35-2.xlsx">科研数据目录（2023年版）.xlsx</a></div>
<div>主办：科学技术厅　承办：信息中心<br>网站标识码：3300000041</div>
</body></html>"""


WEB_LAYOUTS = {"table": page_table_layout, "div": page_div_layout, "flat": page_flat_layout}


# --- a PDF from another producer: Chromium's print (Skia, subset fonts with ToUnicode) ------------

CHROMIUM = Path("/usr/bin/chromium")


def print_html(document: list[Block] = DOCUMENT) -> str:
    """The document as a styled page for printing: indents, centred headings, a red 文头."""
    styles = {"letterhead": "color:red;text-align:center;font-size:28pt",
              "title": "text-align:center;font-size:22pt;margin:0 3em",
              "number": "text-align:center", "heading": "text-align:center",
              "signature": "text-align:right;margin-right:4em", "date": "text-align:right;margin-right:4em",
              "body": "text-indent:2em"}
    parts = []
    for block in document:
        if block.kind == "pagebreak":
            parts.append('<div style="page-break-after:always"></div>')
        elif block.kind == "table":
            rows = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in block.rows)
            parts.append(f'<table border="1" style="border-collapse:collapse;width:100%">{rows}</table>')
        else:
            parts.append(f'<p style="{styles.get(block.kind, "")}">{block.typed()}</p>')
    return ('<html><head><meta charset="utf-8"><title>打印</title><style>body{font-size:16pt;'
            'text-align:justify;line-height:1.75} p{margin:0}</style></head><body>'
            + "".join(parts) + "</body></html>")


def make_chromium_pdf(path: Path) -> Path:
    """The document printed to PDF by headless Chromium (with its date/title header and
    URL + 'N/M' footer on every page)."""
    import subprocess
    page = Path(path).with_suffix(".html")
    page.write_text(print_html(), encoding="utf-8")
    subprocess.run([str(CHROMIUM), "--headless", "--disable-gpu", "--no-sandbox",
                    f"--print-to-pdf={path}", page.as_uri()],
                   check=True, capture_output=True, timeout=60)
    return Path(path)


def can_print_cjk_pdf() -> bool:
    """Chromium and a CJK font are both installed (CI images may lack the font)."""
    import shutil
    import subprocess
    if not CHROMIUM.exists() or shutil.which("fc-list") is None:
        return False
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, timeout=30)
    return bool(fonts.stdout.strip())
