"""XLSX files written directly, streamed: the coded export's spreadsheet (indexer/analytics/coded.py).

Why not openpyxl (which Cesou still uses to *read* a coded sheet back and in the tests): its
write-only mode builds a cell object per value and costs ~15 µs a cell; the ×100 benchmark's
largest result set (17,400 clauses × 19 columns) took 4.8 s to export, and a ~9 MB sheet held
in memory. XlsxWriter, the other maintained writer, measured 2.0–3.1 s on the same rows. An XLSX
file is a zip of a few XML parts; writing the sheet's rows as XML text directly measured 0.42 s
on the same rows (0.33 s XML, 0.09 s deflate), under the same load.

What is written, and the rules:

- The minimal package Excel, LibreOffice and openpyxl open: [Content_Types].xml, the package
  and workbook relationships, workbook.xml, styles.xml (two cell formats: plain and a bold
  header) and one worksheet part per sheet.
- Strings are inline strings (`t="inlineStr"`), never shared strings, so rows stream: nothing
  is kept once a chunk of rows is written. Every string cell is text, so corpus text starting
  with `=` is never a formula. XML-escaped, characters XML 1.0 cannot hold (control
  characters) dropped, and cut at Excel's limit of 32,767 characters per cell. A text with
  whitespace at either end carries `xml:space="preserve"` (the rule openpyxl and XlsxWriter
  follow); others do not need it (it was 15 % of the ×100 sheet's XML).
- Integers are numbers; None and "" are empty cells (no element at all).
- A run of cells many rows repeat (a document's cells in each of its clauses' rows) may be
  given as one `Shared` value: its XML is made once, not once per row (and kept with the
  value, which the caller holds: one per document of the export).
- A sheet may freeze its first row (the header) and set column widths.
- `stream` yields the file's bytes as they are produced (zipfile writes a data descriptor after
  each part when its output cannot seek), so a web response starts after the first chunk of
  rows; `write` puts the same bytes in a file or a binary file object.

Cost (issue 15: ≤ 500 ms p95 per request at ×100). The largest coded sheet of the benchmark
(人才, 17,400 rows) is 37 MB of XML. Deflate is zlib level 1, the fastest: 95 ms and 3.8 MB
for that sheet, against 105 ms / 3.5 MB at level 2 and 250 ms / 2.5 MB at level 6 (the
default), measured on the shared 2-core machine; each chunk is deflated in a helper thread
while the next chunk's XML is made (zlib releases the GIL), so on an idle second core the two
overlap. Making the XML is the rest: text cells are checked a chunk of rows at a time (most need no
escaping, cleaning or cutting), a document's cells are `Shared`.
"""
from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, islice
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape, quoteattr

MAX_CELL_CHARS = 32_767        # Excel's limit; a longer cell makes Excel call the file corrupt
# Rows written to the zip stream at a time: the first chunk small, so a download starts at once;
# then large, since each chunk hands the GIL to the deflate thread and back (×100 人才 sheet,
# 17,400 rows, idle machine, median of 7: 500 rows a chunk 523 ms, 2,000 439 ms, 5,000 429 ms;
# deflating in this thread instead, 451 ms at 500).
FIRST_CHUNK_ROWS = 500
ROWS_PER_CHUNK = 4000
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
PLAIN, BOLD = 0, 1             # cell formats of styles.xml


@dataclass(kw_only=True)
class Sheet:
    name: str
    rows: Iterable[Sequence]              # cells: str, int, None
    header: Sequence[str] = ()            # a bold first row
    freeze_header: bool = False
    widths: dict[int, float] = field(default_factory=dict)   # column number (1-based) → width
    # What every row holds, position by position, when all rows are alike: int (a number or
    # None), str (a text or "" / None) or a Shared of that many cells (`Layout`). Rows are then
    # written by a function made for the layout (`_layout_writer`), not cell by cell.
    layout: Sequence[type | int] | None = None


def write(out: BinaryIO | Path, sheets: Sequence[Sheet]) -> None:
    """The workbook of `sheets` written to `out` (a path or a binary file object)."""
    if isinstance(out, (str, Path)):
        with open(out, "wb") as f:
            f.writelines(stream(sheets))
    else:
        out.writelines(stream(sheets))


def stream(sheets: Sequence[Sheet]) -> Iterator[bytes]:
    """The workbook's bytes, chunk by chunk (see the module docstring)."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        for name, text in _package_parts(sheets):
            book.writestr(name, text)
        yield sink.take()
        for number, sheet in enumerate(sheets, 1):
            with book.open(f"xl/worksheets/sheet{number}.xml", "w") as part, \
                    ThreadPoolExecutor(1, thread_name_prefix="xlsx-deflate") as deflater:
                # Each chunk is deflated (and its CRC taken) in a helper thread while the next
                # chunk's XML is made: zlib lets go of the GIL, so on a second core the two overlap.
                deflating = None
                for chunk in _sheet_xml(sheet):
                    data = chunk.encode("utf-8")
                    if deflating is not None:
                        deflating.result()
                        yield sink.take()
                    deflating = deflater.submit(part.write, data)
                if deflating is not None:
                    deflating.result()
                yield sink.take()
    yield sink.take()


class _Sink:
    """A write-only byte buffer that cannot seek or tell, so zipfile streams into it."""

    def __init__(self):
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self._chunks = b"".join(self._chunks), []
        return data


def _package_parts(sheets: Sequence[Sheet]) -> list[tuple[str, str]]:
    numbers = range(1, len(sheets) + 1)
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_SHEET_TYPE}"/>'
                        for n in numbers)
    sheet_list = "".join(f'<sheet name={quoteattr(s.name)} sheetId="{n}" r:id="rId{n}"/>'
                         for n, s in zip(numbers, sheets))
    rels = "".join(f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                   for n in numbers)
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    return [
        ("[Content_Types].xml", head + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
         '<Default Extension="xml" ContentType="application/xml"/>'
         '<Override PartName="/xl/workbook.xml" '
         'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
         '<Override PartName="/xl/styles.xml" '
         'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
         f'{overrides}</Types>'),
        ("_rels/.rels", head + f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
         f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        ("xl/workbook.xml", head + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>{sheet_list}</sheets></workbook>'),
        ("xl/_rels/workbook.xml.rels", head + f'<Relationships xmlns="{_PKG_REL}">{rels}'
         f'<Relationship Id="rId{len(sheets) + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'),
        ("xl/styles.xml", head + f'<styleSheet xmlns="{_MAIN}">'
         '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
         '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
         '<fills count="2"><fill><patternFill patternType="none"/></fill>'
         '<fill><patternFill patternType="gray125"/></fill></fills>'
         '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
         '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
         '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
         '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
         '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
         '</styleSheet>'),
    ]


def _sheet_xml(sheet: Sheet) -> Iterator[str]:
    view = ('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
            if sheet.freeze_header else "")
    cols = "".join(f'<col min="{n}" max="{n}" width="{w}" customWidth="1"/>'
                   for n, w in sorted(sheet.widths.items()))
    yield (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}">'
           f'{view}<sheetFormatPr defaultRowHeight="15"/>{f"<cols>{cols}</cols>" if cols else ""}<sheetData>')
    number = 0
    if sheet.header:
        number = 1
        yield _row_xml(1, sheet.header, BOLD, _plain([v for v in sheet.header if type(v) is str]))
    write_row = _layout_writer(tuple(sheet.layout)) if sheet.layout else None
    texts_of = (_text_cells(tuple(sheet.layout)) if sheet.layout else
                lambda rows: [value for row in rows for value in row if type(value) is str])
    rows, size = iter(sheet.rows), FIRST_CHUNK_ROWS
    while chunk := list(islice(rows, size)):
        size = ROWS_PER_CHUNK
        # The text cells of a chunk are checked together: most chunks have none to cut, clean
        # of control characters (only line breaks refused by str.isprintable) or escape.
        plain = _plain(texts_of(chunk))
        if write_row is None:
            yield "".join([_row_xml(n, row, PLAIN, plain) for n, row in enumerate(chunk, number + 1)])
        else:
            yield "".join([write_row(str(n), row, plain) for n, row in enumerate(chunk, number + 1)])
        number += len(chunk)
    yield "</sheetData></worksheet>"


def _plain(texts: list[str]) -> bool:
    """Whether none of `texts` needs `_text_xml`."""
    joined = "".join(texts)
    return (not ("&" in joined or "<" in joined or ">" in joined)
            and (joined.isprintable() or joined.replace("\n", "").isprintable())
            and max(map(len, texts), default=0) <= MAX_CELL_CHARS)


class Shared:
    """Consecutive cells that many rows repeat (a document's cells in each of its clauses'
    rows), given as one value of each of those rows: their XML is made once, split where the
    row number goes, and joined with it per row."""
    __slots__ = ("cells", "_column", "_style", "_parts")

    def __init__(self, cells: Sequence):
        self.cells = tuple(cells)
        self._column, self._style, self._parts = 0, "", ("",)

    def parts(self, first_column: int, style_attr: str) -> tuple[str, ...]:
        """The XML of the cells from `first_column` on, split where the row number goes."""
        if self._column != first_column or self._style != style_attr:
            self._column, self._style = first_column, style_attr
            self._parts = tuple("".join(_cell_xml(column, "\x00", value, style_attr)
                                        for column, value in enumerate(self.cells, first_column)
                                        ).split("\x00"))
        return self._parts


def _row_xml(number: int, cells: Sequence, style: int, plain: bool) -> str:
    """A row's XML; `plain`: no text cell of it needs `_text_xml`."""
    style_attr = f' s="{style}"' if style else ""
    row = str(number)
    out = [f'<row r="{row}">']
    append, letters = out.append, _LETTERS
    column = 1
    for value in cells:
        kind = type(value)
        if kind is str:         # `_cell_xml` inlined for the common cell: text
            if value:
                if not plain:
                    value = _text_xml(value)
                if value.strip() != value:
                    append(f'<c r="{letters[column]}{row}"{style_attr} t="inlineStr"><is>'
                           f'<t xml:space="preserve">{value}</t></is></c>')
                else:
                    append(f'<c r="{letters[column]}{row}"{style_attr} t="inlineStr"><is><t>{value}</t></is></c>')
        elif kind is Shared:
            append(row.join(value.parts(column, style_attr)))
            column += len(value.cells)
            continue
        elif kind is int:
            append(f'<c r="{letters[column]}{row}"{style_attr}><v>{value}</v></c>')
        elif value is not None:
            append(_cell_xml(column, row, value, style_attr))
        column += 1
    append("</row>")
    return "".join(out)


@lru_cache(maxsize=16)
def _layout_writer(layout: tuple) -> Callable[[str, Sequence, bool], str]:
    """A function writing one row of `layout` (`Sheet.layout`: int, str, or the width of a
    Shared run, per position) as `_row_xml(number, cells, PLAIN, plain)` writes it, made as
    straight-line code for the layout: no loop over the cells, no test of each cell's type, one
    join of a tuple of the cells' XML (the ×100 人才 sheet's XML, 17,400 rows: 151–196 ms cell by
    cell, ~110 ms appending to a list, ~70 ms as one tuple). Unplain text, or text with
    whitespace at an end, goes through `_cell_xml` as in the general path."""
    pieces = ["'<row r=\"'", "row", "'\">'"]
    column = 1
    for i, kind in enumerate(layout):
        letter = column_letter(column)
        if kind is int:
            pieces.append(f"(f'<c r=\"{letter}{{row}}\"><v>{{v{i}}}</v></c>' if v{i} is not None else '')")
        elif kind is str:
            pieces.append(f"((f'<c r=\"{letter}{{row}}\" t=\"inlineStr\"><is><t>{{v{i}}}</t></is></c>'"
                          f" if plain and v{i}.strip() == v{i} else _cell_xml({column}, row, v{i}, '')) if v{i} else '')")
        elif isinstance(kind, int) and not isinstance(kind, bool) and kind > 0:
            pieces.append(f"row.join(v{i}.parts({column}, ''))")
            column += kind
            continue
        else:
            raise ValueError(f"not a layout position: {kind!r}")
        column += 1
    pieces.append("'</row>'")
    source = "\n".join(["def write_row(row, cells, plain):",
                         f"    ({', '.join(f'v{i}' for i in range(len(layout)))},) = cells",
                         f"    return ''.join(({', '.join(pieces)}))"])
    namespace = {"_cell_xml": _cell_xml}
    exec(source, namespace)     # noqa: S102 - our own source, made from types and ints
    return namespace["write_row"]


def _text_cells(layout: tuple) -> Callable[[list[Sequence]], list[str]]:
    """For rows of `layout`: the non-empty texts of a chunk of rows (its str positions only; a
    Shared run's XML is made by `_cell_xml`, which checks each text itself)."""
    positions = [i for i, kind in enumerate(layout) if kind is str]
    if not positions:
        return lambda rows: []
    pick = itemgetter(*positions)
    if len(positions) == 1:
        return lambda rows: list(filter(None, map(pick, rows)))
    return lambda rows: list(filter(None, chain.from_iterable(map(pick, rows))))


def _text_xml(text: str) -> str:
    """`escape(cell_text(text))`, skipping the steps the text does not need: the
    control-character pass only for a character other than a line break that
    `str.isprintable` refuses, the escape only for & < or >."""
    if not text.isprintable() and not text.replace("\n", "").isprintable():
        text = _ILLEGAL.sub("", text)
    if len(text) > MAX_CELL_CHARS:
        text = text[:MAX_CELL_CHARS]
    if "&" in text or "<" in text or ">" in text:
        text = escape(text)
    return text


def _cell_xml(column: int, number, value, style_attr: str) -> str:
    """One cell's XML (nothing for None or ""): an integer as a number, anything else as text."""
    if value is None or value == "":
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return f'<c r="{column_letter(column)}{number}"{style_attr}><v>{value}</v></c>'
    text = _text_xml(value if type(value) is str else str(value))
    space = ' xml:space="preserve"' if text.strip() != text else ""
    return (f'<c r="{column_letter(column)}{number}"{style_attr} t="inlineStr"><is><t{space}>{text}'
            f'</t></is></c>')


def cell_text(value) -> str:
    """A string cell's text: control characters dropped, cut at MAX_CELL_CHARS."""
    return _ILLEGAL.sub("", str(value))[:MAX_CELL_CHARS]


@lru_cache(maxsize=None)
def column_letter(number: int) -> str:
    """A, B, … Z, AA, … for a 1-based column number (cached: asked once per cell)."""
    letters, n = "", number
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return letters


class _Letters(dict):
    """column number → `column_letter`, filled on use: a plain dict lookup per cell."""

    def __missing__(self, number: int) -> str:
        self[number] = column_letter(number)
        return self[number]


_LETTERS = _Letters()
