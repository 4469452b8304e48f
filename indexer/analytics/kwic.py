"""Concordance (KWIC, keyword in context): one row per occurrence of the query's terms.

Rules:

- An occurrence is found where search finds it: on the clause's displayed text (label, heading
  and text joined by a space) after normalisation (NFKC, casefold, traditional → simplified,
  whitespace removed: indexer/analysis.py), so 產教融合 or a term broken by a line wrap counts,
  exactly as it matched.
- Each occurrence is mapped back to the original text through the normaliser's offsets: the
  keyword column shows the characters as printed, and the contexts are the `width` original
  characters either side (line breaks shown as spaces).
- Occurrences of several terms (a query's words and their synonyms) are read left to right;
  where two overlap, the one starting first wins, and the longer one at the same start (研究 and
  基础研究 in 基础研究: one row, 基础研究). For a single term the rows of a clause are therefore
  `normalize(text).count(term)`: non-overlapping occurrences, like `str.count`.

Cost (issue 15: ≤ 500 ms p95 per request at ×100, whose broadest query, 人才, gives 48,300 rows
and 15.8 MB): normalising every matching clause again took about half of the download, so the
site passes the normalised texts the index keeps (`Searcher.matches_with_texts`, the very text
the search matched on) and `analysis.original_spans` maps the occurrences back by the
whitespace runs alone (falling back to normalising a clause whose characters do not all fold
one to one, e.g. …). The download's CSV is written by `csv_pieces`, which makes each document's
and clause's cells once and joins each row's line itself instead of passing every cell through
`csv_cell` and csv.writer; tests/test_analytics_kwic.py checks it gives the general path's text
byte for byte. Measured (cProfile, the same request, before → after): the whole download of 人才
3.15 → 0.73 CPU s under the profiler; over HTTP at ×100 the p95 is in the README.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat

from indexer.analysis import find_all, latin_ended, normalize_with_offsets, original_spans
from indexer.analytics.common import Match, csv_table, permalink
from indexer.clausetext import clause_text
from indexer.records import Document
from indexer.text import FORMULA_STARTS, csv_cell, csv_field, csv_lines

COLUMNS = [("left", "左文"), ("keyword", "关键词"), ("right", "右文"), ("doc_id", "文件ID"),
           ("clause_id", "条款ID"), ("permalink", "链接"), ("doc_number", "文号"),
           ("issuers", "发文机关"), ("date", "日期"), ("label", "条款编号"), ("title", "文件标题")]
DEFAULT_WIDTH = 20
MAX_WIDTH = 200
_FORMULA = frozenset(FORMULA_STARTS)
PIECE_CHARS = 1 << 16      # characters per piece of the streamed CSV (~64 K, ~190 KB in UTF-8)


@dataclass(kw_only=True)
class KwicRow:
    left: str
    keyword: str
    right: str
    doc_id: str
    clause_id: str
    permalink: str
    doc_number: str
    issuers: list[str]
    date: str
    label: str
    title: str


def occurrences(text: str, terms: Sequence[str], normalized: str | None = None) -> list[tuple[int, int]]:
    """(start, end) spans in the original `text` of the occurrences of the normalised `terms`,
    left to right, without overlaps (see the module docstring). `normalized` is
    `normalize(text)` when the caller has it (the index keeps every clause's:
    `Searcher.matches_with_texts`), so that the text is not normalised again."""
    return Terms(terms).occurrences(text, normalized)


class Terms:
    """The terms of one concordance, each looked at once (`occurrences` asks per clause)."""

    def __init__(self, terms: Sequence[str]):
        distinct = sorted({term for term in terms if term})
        # A term starting or ending with a Latin letter goes through find_all (which keeps it
        # from continuing a longer Latin word); the others are looked for with str.find alone.
        self.latin = [t for t in distinct if latin_ended(t)]
        self.plain = [t for t in distinct if t not in self.latin]
        self.single = self.plain[0] if len(distinct) == 1 and self.plain else None

    def occurrences(self, text: str, normalized: str | None = None) -> list[tuple[int, int]]:
        """`occurrences(text, terms, normalized)`."""
        if normalized is not None:
            spans = original_spans(text, normalized, self.spans(normalized))
            if spans is not None:
                return spans
        normalized, offsets = normalize_with_offsets(text)
        return [(offsets[start], offsets[end - 1] + 1) for start, end in self.spans(normalized)]

    def spans(self, normalized: str) -> list[tuple[int, int]]:
        """The occurrences in `normalized`: leftmost first, then longest, without overlaps."""
        if self.single is not None:         # one term: its non-overlapping occurrences
            needle = self.single
            size = len(needle)
            spans, at = [], normalized.find(needle)
            while at != -1:
                spans.append((at, at + size))
                at = normalized.find(needle, at + size)
            return spans
        found = [(s, -e) for term in self.latin if term in normalized for s, e in find_all(normalized, term)]
        for needle in self.plain:
            size = len(needle)
            at = normalized.find(needle)
            while at != -1:
                found.append((at, -at - size))
                at = normalized.find(needle, at + 1)
        found.sort()
        spans, reached = [], 0
        for start, neg_end in found:
            if start >= reached:
                spans.append((start, -neg_end))
                reached = -neg_end
        return spans


def concordance(matches: Iterable[Match], terms: Sequence[str], width: int = DEFAULT_WIDTH,
                base_url: str = "", normalized: Iterable[str] | None = None) -> list[KwicRow]:
    """The KWIC rows of every match, in result order and text order; permalinks start with
    `base_url` (the site's address, so a link pasted from the sheet works anywhere).
    `normalized`: each match's normalised clause text, in the same order, when the caller has
    them (see `occurrences`)."""
    return list(concordance_rows(matches, terms, width, base_url, normalized))


def concordance_rows(matches: Iterable[Match], terms: Sequence[str], width: int = DEFAULT_WIDTH,
                     base_url: str = "", normalized: Iterable[str] | None = None) -> Iterator[KwicRow]:
    """`concordance`, one row at a time."""
    base_url = base_url.rstrip("/")
    width = max(0, min(width, MAX_WIDTH))
    finder = Terms(terms)
    for (document, clause), normal in _with_texts(matches, normalized):
        text = clause_text(clause)
        for start, end in finder.occurrences(text, normal):
            yield KwicRow(
                left=_flat(text[max(0, start - width):start]), keyword=text[start:end],
                right=_flat(text[end:end + width]), doc_id=document.id, clause_id=clause.id,
                permalink=base_url + permalink(document.id, clause.id), doc_number=document.doc_number,
                issuers=list(document.issuers), date=document.date, label=clause.label,
                title=document.title)


def csv_pieces(matches: Iterable[Match], terms: Sequence[str], width: int = DEFAULT_WIDTH,
               base_url: str = "", normalized: Iterable[str] | None = None,
               piece_chars: int = PIECE_CHARS) -> Iterator[str]:
    """The CSV of `concordance_rows` (header and rows, as `kwic_csv` writes it) in pieces of
    about `piece_chars` characters, made for the download: each document's and each clause's
    cells are quoted once (`csv_cell`, then `csv_field`), not once per row, so a row costs its
    three contexts and one string join; no `KwicRow` is built. tests/test_analytics_kwic.py
    checks it gives the same text as the general path."""
    base_url = base_url.rstrip("/")
    width = max(0, min(width, MAX_WIDTH))
    lines = [",".join(csv_field(csv_cell(zh)) for _, zh in COLUMNS) + "\r\n"]
    size = 0
    finder = Terms(terms)
    documents: dict[str, tuple[Document, str, str, str]] = {}
    for (document, clause), normal in _with_texts(matches, normalized):
        label, heading, body = clause.label, clause.heading, clause.text
        text = f"{label} {heading} {body}" if label and heading and body else clause_text(clause)
        spans = finder.occurrences(text, normal)
        if not spans:
            continue
        cells = documents.get(document.id)
        if cells is None or cells[0] is not document:
            doc_id, doc_number, issuers, date, title = (csv_field(csv_cell(value)) for value in (
                document.id, document.doc_number, document.issuers, document.date, document.title))
            cells = documents[document.id] = (document, doc_id, f"{doc_number},{issuers},{date}", title)
        _, doc_id, doc_cells, title = cells
        tail = (f",{doc_id},{csv_field(csv_cell(clause.id))},"
                f"{csv_field(csv_cell(base_url + permalink(document.id, clause.id)))},{doc_cells},"
                f"{csv_field(csv_cell(label))},{title}\r\n")
        breaks = "\n" in text or "\r" in text
        if "," in text or '"' in text or "=" in text or "-" in text or "+" in text or "@" in text:
            flat = _flat(text) if breaks else text      # a cell may need quoting: each is checked
            for start, end in spans:
                line = (f"{_csv_text(flat[max(0, start - width):start])},{_csv_text(text[start:end])},"
                        f"{_csv_text(flat[end:end + width])}{tail}")
                lines.append(line)
                size += len(line)
        elif breaks:        # only a keyword across a line break is quoted
            flat = _flat(text)
            for start, end in spans:
                line = (f"{flat[max(0, start - width):start]},{csv_field(text[start:end])},"
                        f"{flat[end:end + width]}{tail}")
                lines.append(line)
                size += len(line)
        else:               # no cell of this clause needs anything: most clauses
            for start, end in spans:
                line = f"{text[max(0, start - width):start]},{text[start:end]},{text[end:end + width]}{tail}"
                lines.append(line)
                size += len(line)
        if size >= piece_chars:
            yield "".join(lines)
            lines, size = [], 0
    yield "".join(lines)


def _csv_text(cell: str) -> str:
    return csv_field("'" + cell if cell[:1] in _FORMULA else cell)


def _with_texts(matches: Iterable[Match], normalized: Iterable[str] | None):
    return zip(matches, repeat(None)) if normalized is None else zip(matches, normalized, strict=True)


def _flat(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


def kwic_table(rows: Iterable[KwicRow]) -> Iterator[Sequence]:
    """The header and one list of cells per row (columns: `COLUMNS`)."""
    keys = [key for key, _ in COLUMNS]
    return csv_table(COLUMNS, ([getattr(r, k) for k in keys] for r in rows))


def kwic_csv(rows: Iterable[KwicRow]) -> str:
    """The rows as CSV (columns: `COLUMNS`)."""
    return "".join(csv_lines(kwic_table(rows)))
