"""Small measures of text shared by the stages and the command-line reports."""
from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from urllib.parse import urlsplit


def display_width(text: str) -> int:
    """Width in half-width columns (a terminal's, a fixed-width export's): Chinese characters,
    full-width forms and their punctuation take two. (Counted in C: `translate` keeps one mark
    per wide character; cleaning measures every line of every plain-text file, and a Python
    loop over the characters was ~6 % of the parse at ×100.)"""
    return len(text) + len(text.translate(_WIDE))


class _WideTable(dict):
    """code point → "w" for a wide character (one mark kept), None for a narrow one (dropped);
    filled on first sight of each character."""

    def __missing__(self, code: int) -> str | None:
        wide = self[code] = "w" if unicodedata.east_asian_width(chr(code)) in "WF" else None
        return wide


_WIDE = _WideTable()

WEB_SCHEMES = ("http", "https")


def web_address(url: str | None) -> str:
    """`url`, stripped, when it is a web address Cesou may record as a document's 原文网址 or
    an attachment and show as a link: absolute http(s), with a host, no whitespace inside;
    else "" (a `javascript:` or `file:` address, a page-relative path that would point into
    this site, a malformed one). The one rule for the formats that read addresses (saved
    pages, .mhtml packages, PDF metadata) and for the pages that link them."""
    url = (url or "").strip()
    if not url or any(char.isspace() for char in url):
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:              # e.g. "http://[bad": urlsplit refuses the host
        return ""
    return url if parts.scheme.lower() in WEB_SCHEMES and parts.netloc else ""


LIST_SEPARATOR = "；"     # joins a list (issuers, themes) in one spreadsheet cell
FORMULA_STARTS = ("=", "+", "-", "@")     # a cell starting so is quoted (`csv_cell`)


def csv_cell(value) -> str:
    """One CSV cell: lists joined with ；, None as empty. A leading = + - @ is quoted with an
    apostrophe so that Excel shows corpus text instead of running it as a formula."""
    if value is None:
        return ""
    text = LIST_SEPARATOR.join(value) if isinstance(value, (list, tuple)) else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


def csv_field(cell: str) -> str:
    """One field as `csv.writer` (excel dialect, CRLF lines, minimal quoting) writes it: in
    double quotes, its own doubled, when it holds a comma, a double quote, CR or LF."""
    if '"' in cell:
        return '"' + cell.replace('"', '""') + '"'
    if "," in cell or "\n" in cell or "\r" in cell:
        return '"' + cell + '"'
    return cell


CSV_CHUNK_ROWS = 500     # rows per piece of a streamed CSV download


def csv_lines(rows: Iterable[Sequence], chunk_rows: int = CSV_CHUNK_ROWS) -> Iterator[str]:
    """CSV text of `rows` (every cell through `csv_cell`, lines ended by CRLF as Excel writes
    them), in pieces of `chunk_rows` rows, so a download streams instead of being held whole."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    rows = iter(rows)
    while True:
        chunk = list(islice(rows, chunk_rows))
        if not chunk:
            break
        writer.writerows([csv_cell(v) for v in row] for row in chunk)
        if len(chunk) < chunk_rows:
            break
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    yield out.getvalue()
